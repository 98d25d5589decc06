import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jwtVerify } from 'jose';
import { signLoginToken } from './sign.js';

const secret = new TextEncoder().encode('test-secret-of-at-least-32-bytes!!');

// Verify the way the chat service does: HS256 only.
const verify = (token, key = secret) => jwtVerify(token, key, { algorithms: ['HS256'] });

for (const user of [
  { email: 'ann@example.com' },
  { externalId: 'u-1' },
  { email: 'ann@example.com', externalId: 'u-1' },
]) {
  test(`signs ${JSON.stringify(user)}`, async () => {
    const now = new Date();
    const token = await signLoginToken(secret, user, now);

    const { payload, protectedHeader } = await verify(token);
    assert.equal(protectedHeader.alg, 'HS256');
    assert.deepEqual(payload, { ...user, iat: Math.floor(now.getTime() / 1000) });

    await assert.rejects(verify(token, new TextEncoder().encode('another-secret')),
      { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
}

test('iat defaults to now', async () => {
  const before = Math.floor(Date.now() / 1000);
  const token = await signLoginToken('a string secret', { email: 'a@b.c' });
  const { payload } = await verify(token, new TextEncoder().encode('a string secret'));
  assert.ok(payload.iat >= before && payload.iat <= before + 1);
});

test('refuses missing input', async () => {
  await assert.rejects(signLoginToken(secret, {}), /email or externalId required/);
  await assert.rejects(signLoginToken('', { email: 'ann@example.com' }), /empty signing secret/);
});
