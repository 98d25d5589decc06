// A tiny site backend for the Kustomer Chat SDK: it serves the script-tag example
// page and mints the login JWTs the page hands to KustomerChat.logIn.
// Only node:http and jose. Run: node examples/node-backend/server.js
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { signLoginToken } from './sign.js';

const secret = process.env.KUSTOMER_CHAT_JWT_SECRET;
const apiKey = process.env.KUSTOMER_CHAT_API_KEY;
if (!secret || !apiKey) {
  console.error('set KUSTOMER_CHAT_API_KEY and KUSTOMER_CHAT_JWT_SECRET (`make run` prints the development pair)');
  process.exit(1);
}
const serverUrl = (process.env.KUSTOMER_CHAT_SERVER_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const port = Number(process.env.PORT || 3000);

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// The same page examples/go-backend serves, with its placeholders filled in once.
const page = readFileSync(new URL('../script-tag/index.html', import.meta.url), 'utf8')
  .replaceAll('{{SERVER_URL}}', escapeHtml(serverUrl))
  .replaceAll('{{API_KEY}}', escapeHtml(apiKey));

function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readJson(req, limit = 4096) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > limit) throw new Error('body too large');
  }
  return JSON.parse(body);
}

async function loginToken(req, res) {
  // Requiring JSON makes a cross-site request need a CORS preflight, which this
  // server never grants, so other sites cannot mint tokens here.
  if (req.headers['content-type']?.split(';')[0].trim() !== 'application/json') {
    return sendJson(res, 415, { error: 'send application/json' });
  }
  // DEMO ONLY: a real site takes the email or externalId of the signed-in user
  // from ITS OWN session, never from the request — otherwise anyone could log in
  // to the chat as anyone.
  let user;
  try {
    user = await readJson(req);
  } catch {
    return sendJson(res, 400, { error: 'invalid JSON body' });
  }
  const email = typeof user?.email === 'string' ? user.email.trim() : '';
  const externalId = typeof user?.externalId === 'string' ? user.externalId.trim() : '';
  if (!email && !externalId) return sendJson(res, 400, { error: 'email or externalId required' });

  const jwt = await signLoginToken(secret, { email, externalId });
  // The token is a credential: never logged, never cached.
  sendJson(res, 200, { jwt }, { 'Cache-Control': 'no-store' });
}

const server = createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  try {
    if (pathname === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(req.method === 'HEAD' ? undefined : page);
    }
    if (pathname === '/login-token') {
      if (req.method === 'POST') return await loginToken(req, res);
      return sendJson(res, 405, { error: 'use POST' }, { Allow: 'POST' });
    }
    sendJson(res, 404, { error: 'not found' });
  } catch (err) {
    console.error('request failed:', err.message);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
  }
});

// Loopback only: this demo signs a token for whatever email it is sent, so it
// must not be reachable from other machines.
server.listen(port, '127.0.0.1', () => {
  console.log(`site backend on http://127.0.0.1:${port} (chat service ${serverUrl})`);
});
