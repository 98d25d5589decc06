import { SignJWT } from 'jose';

// Returns the compact HS256 JWS that KustomerChat.logIn expects:
// payload {email?, externalId?, iat}. The chat service refuses tokens whose iat
// is over 15 minutes old, so mint one per login, right before it is used.
// `now` is only for tests; it defaults to the current time.
export async function signLoginToken(secret, { email, externalId } = {}, now = undefined) {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (!key || key.length === 0) throw new Error('empty signing secret');

  const claims = {};
  if (email) claims.email = email;
  if (externalId) claims.externalId = externalId;
  if (!claims.email && !claims.externalId) throw new Error('email or externalId required');

  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .sign(key);
}
