// A logged-in visitor's session that ends at the service, in headless Chromium against
// the real service run with a 3 s session lifetime.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, lifecycle, openPage, recordEvents, setUp, signToken, value } from './harness.js';

const LIFETIME_MS = 3000;
const env = setUp({ service: { env: { KUSTOMER_CHAT_SESSION_LIFETIME: `${LIFETIME_MS / 1000}s` } } });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function loggedIn(email) {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  page.tokensAsked = 0;
  await page.exposeFunction('mintChatToken', () => { page.tokensAsked++; return signToken({ email }); });
  const identity = await value(page, 'logIn', await signToken({ email }));
  const conversation = await value(page, 'createConversation', { message: 'before the session ended' });
  await recordEvents(page);
  return { context, page, identity, conversation };
}

test('with a token provider, an ended session is renewed invisibly and calls keep their order', async () => {
  const { context, page, identity, conversation } = await loggedIn('renewed@example.com');
  await page.evaluate(() => KustomerChat.setTokenProvider(() => window.mintChatToken()));
  await sleep(LIFETIME_MS + 500);
  // Issued together: each settles after the one before, all on the renewed session.
  const results = await page.evaluate(async (id) => {
    const settled = [];
    const track = (name, p) => p.then((v) => { settled.push(name); return v; }, (e) => { settled.push(name); throw e; });
    const calls = [
      track('send 1', KustomerChat.sendMessage(id, 'first after')),
      track('send 2', KustomerChat.sendMessage(id, 'second after')),
      track('messages', KustomerChat.getMessages(id)),
      track('identity', KustomerChat.getIdentity()),
    ];
    const values = await Promise.all(calls);
    return { settled, messages: values[2].map((m) => m.body), identity: values[3] };
  }, conversation.id);
  assert.deepEqual(results.settled, ['send 1', 'send 2', 'messages', 'identity']);
  assert.deepEqual(results.messages, ['before the session ended', 'first after', 'second after']);
  assert.equal(results.identity.customerId, identity.customerId);
  assert.equal(results.identity.verified, true);
  assert.ok(page.tokensAsked >= 1, 'the provider was asked');
  assert.deepEqual(await lifecycle(page), []);
  assert.deepEqual(page.warnings.filter((w) => w.includes('KustomerChat')), []);
  await context.close();
});

test('start({ getToken }) passes the provider too', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page({ apiKey: null }), { waitReady: false });
  await page.exposeFunction('mintChatToken', () => signToken({ email: 'started@example.com' }));
  await page.evaluate((url) => KustomerChat.start({ apiKey: 'test-public-key', serverUrl: url, getToken: () => window.mintChatToken() }), env.service.url);
  await value(page, 'logIn', await signToken({ email: 'started@example.com' }));
  await sleep(LIFETIME_MS + 500);
  assert.deepEqual(await value(page, 'getConversations'), []);
  assert.equal((await value(page, 'getIdentity')).verified, true);
  await context.close();
});

test('start({ getToken }) on a page whose script tag started the SDK sets the provider', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  await page.exposeFunction('mintChatToken', () => signToken({ email: 'tagged@example.com' }));
  await page.evaluate((url) => KustomerChat.start({ apiKey: 'test-public-key', serverUrl: url, getToken: () => window.mintChatToken() }), env.service.url);
  await value(page, 'logIn', await signToken({ email: 'tagged@example.com' }));
  await sleep(LIFETIME_MS + 500);
  assert.deepEqual(await value(page, 'getConversations'), []);
  assert.equal((await value(page, 'getIdentity')).verified, true);
  await context.close();
});

test('without a token provider, an ended session falls back to anonymous with a warning and onLogout', async () => {
  const { context, page, identity } = await loggedIn('fallback@example.com');
  await sleep(LIFETIME_MS + 500);
  const r = await call(page, 'getConversations');
  assert.ok(r.ok ? r.value.length === 0 : r.code === 'TOKEN_REJECTED', JSON.stringify(r));
  const now = await value(page, 'getIdentity');
  assert.equal(now.verified, false);
  assert.equal(now.customerId, null);
  assert.notEqual(now.trackingId, identity.trackingId);
  assert.deepEqual(await lifecycle(page), ['onLogout']);
  assert.ok(page.warnings.some((w) => w.includes('no token provider')), page.warnings.join('\n'));
  assert.equal(await value(page, 'isLoggedIn', 'email', 'fallback@example.com'), false);
  await context.close();
});

test('a provider that rejects also falls back to anonymous', async () => {
  const { context, page } = await loggedIn('rejected@example.com');
  await page.evaluate(() => KustomerChat.setTokenProvider(() => Promise.reject(new Error('signed out on the site'))));
  await sleep(LIFETIME_MS + 500);
  await call(page, 'getConversations');
  assert.equal((await value(page, 'getIdentity')).verified, false);
  assert.deepEqual(await lifecycle(page), ['onLogout']);
  await context.close();
});
