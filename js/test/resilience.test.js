// Tabs, broken storage, and a service that goes away mid-session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, events, lifecycle, payloadOf, openPage, recordEvents, signToken, setUp, value } from './harness.js';

const env = setUp();

const storageKey = 'kustomer-chat:test-public-key';

async function waitFor(page, fn, arg) {
  await page.waitForFunction(fn, arg, { timeout: 1000, polling: 20 });
}

test('a logIn and a logOut in one tab reach the other tab within a second', async () => {
  const context = await env.browser.newContext();
  const url = env.site.page();
  const a = await openPage(context, url);
  const b = await openPage(context, url);
  await recordEvents(b);

  const identity = await value(a, 'logIn', await signToken({ email: 'tabs@example.com' }));
  await waitFor(b, () => window.__events.some((e) => e.event === 'onLogin'));
  assert.equal(await value(b, 'isLoggedIn', 'email', 'tabs@example.com'), true);
  assert.deepEqual(await value(b, 'getIdentity'), identity);
  assert.deepEqual(await payloadOf(b, 'onLogin'), identity);

  await value(a, 'logOut');
  await waitFor(b, () => window.__events.some((e) => e.event === 'onLogout'));
  assert.equal(await value(b, 'isLoggedIn', 'email', 'tabs@example.com'), false);
  assert.deepEqual(await value(b, 'getIdentity'), await value(a, 'getIdentity'));
  assert.deepEqual((await lifecycle(b)), ['onLogin', 'onLogout']);
  await context.close();
});

for (const [why, stored] of [
  ['corrupt JSON', '{"v":1,"deviceId":'],
  ['an unknown version', JSON.stringify({ v: 99, deviceId: '2b7c6f0e-8a3d-4f55-9c1e-0d2a4b6c8e10' })],
  ['wrong types', JSON.stringify({ v: 1, deviceId: 42, identity: 'me', sessionToken: [] })],
]) {
  test(`stored state with ${why} is replaced by a fresh anonymous identity with a warning`, async () => {
    const context = await env.browser.newContext();
    await context.addInitScript(([key, stored]) => {
      if (!sessionStorage.getItem('seeded')) {
        localStorage.setItem(key, stored);
        sessionStorage.setItem('seeded', '1');
      }
    }, [storageKey, stored]);
    const page = await openPage(context, env.site.page());
    const identity = await value(page, 'getIdentity');
    assert.equal(identity.verified, false);
    assert.match(identity.trackingId, /^[0-9a-f-]{36}$/);
    assert.ok(page.warnings.some((w) => w.startsWith('KustomerChat:')), page.warnings.join('\n'));
    assert.deepEqual(page.errors, []);
    assert.equal((await value(page, 'logIn', await signToken({ email: 'recovered@example.com' }))).verified, true);
    await context.close();
  });
}

for (const [why, script] of [
  ['missing', () => { Object.defineProperty(window, 'localStorage', { get() { throw new DOMException('denied', 'SecurityError'); } }); }],
  ['throwing on write', () => { Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); }; }],
]) {
  test(`with localStorage ${why}, the SDK keeps its state in memory and works`, async () => {
    const context = await env.browser.newContext();
    await context.addInitScript(script);
    const page = await openPage(context, env.site.page());
    const identity = await value(page, 'logIn', await signToken({ email: 'memory@example.com' }));
    assert.equal(identity.verified, true);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'memory@example.com'), true);
    const conversation = await value(page, 'createConversation', { message: 'still works' });
    assert.equal((await value(page, 'getMessages', conversation.id))[0].body, 'still works');
    await value(page, 'logOut');
    assert.equal(await value(page, 'isLoggedIn', 'email', 'memory@example.com'), false);
    assert.ok(page.warnings.some((w) => w.includes('memory')), page.warnings.join('\n'));
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}

test('the service stopped mid-session: NETWORK_ERROR, state intact, and working again once back', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  const identity = await value(page, 'logIn', await signToken({ email: 'offline@example.com' }));
  const conversation = await value(page, 'createConversation', { message: 'before the outage' });

  await env.service.stop();
  try {
    assert.equal((await call(page, 'logIn', await signToken({ email: 'other@example.com' }))).code, 'NETWORK_ERROR');
    assert.equal((await call(page, 'sendMessage', conversation.id, 'lost?')).code, 'NETWORK_ERROR');
    assert.equal((await call(page, 'getConversations')).code, 'NETWORK_ERROR');
    assert.deepEqual(await value(page, 'getIdentity'), identity);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'offline@example.com'), true);
  } finally {
    await env.service.start();
  }
  const message = await value(page, 'sendMessage', conversation.id, 'after the outage');
  assert.equal(message.body, 'after the outage');
  const identityAgain = await value(page, 'logIn', await signToken({ email: 'other@example.com' }));
  assert.equal(identityAgain.email, 'other@example.com');
  await context.close();
});

test('logOut clears the device even when the service is down', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  await value(page, 'logIn', await signToken({ email: 'offline-logout@example.com' }));
  await env.service.stop();
  try {
    await value(page, 'logOut');
    assert.equal(await value(page, 'isLoggedIn', 'email', 'offline-logout@example.com'), false);
  } finally {
    await env.service.start();
  }
  await context.close();
});

test('an agent reply reaches onMessageReceived within a second', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  await recordEvents(page);
  const conversation = await value(page, 'createConversation', { message: 'anyone there?' });
  await new Promise((r) => setTimeout(r, 200)); // let the event poller start its long poll
  const sent = Date.now();
  const reply = await env.service.agentReply(conversation.id, 'Hi, how can I help?');
  await page.waitForFunction(() => window.__events.some((e) => e.event === 'onMessageReceived'), null, { timeout: 1000, polling: 10 });
  assert.ok(Date.now() - sent < 1000);
  const received = (await events(page)).filter((e) => e.event === 'onMessageReceived').map((e) => e.payload);
  assert.deepEqual(received.map((m) => [m.id, m.author, m.body, m.conversationId]), [[reply.id, 'agent', 'Hi, how can I help?', conversation.id]]);
  assert.equal(await value(page, 'getUnreadCount'), 1);
  await value(page, 'markRead', conversation.id);
  assert.equal(await value(page, 'getUnreadCount'), 0);
  await context.close();
});
