// logIn, isLoggedIn, logOut, logOutThenLogIn and getIdentity in headless Chromium
// against the real service, from a site on another origin.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { call, lifecycle, openPage, payloadOf, recordEvents, setUp, signToken, value } from './harness.js';

const env = setUp();

async function device() {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  return { context, page };
}

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('logIn', () => {
  test('verifies the visitor and resolves with their identity', async () => {
    const { context, page } = await device();
    const before = await value(page, 'getIdentity');
    assert.equal(before.verified, false);
    assert.match(before.trackingId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await recordEvents(page);

    const identity = await value(page, 'logIn', await signToken({ email: 'Ann@Example.com', externalId: 'ann-1' }));
    assert.equal(identity.verified, true);
    assert.equal(identity.email, 'ann@example.com');
    assert.equal(identity.externalId, 'ann-1');
    assert.equal(identity.trackingId, before.trackingId);
    for (const k of ['id', 'customerId', 'verifiedAt', 'createdAt', 'updatedAt']) assert.equal(typeof identity[k], 'string', k);
    assert.ok(!Number.isNaN(Date.parse(identity.verifiedAt)));
    assert.deepEqual(await value(page, 'getIdentity'), identity);
    assert.deepEqual((await lifecycle(page)), ['onLogin']);
    assert.deepEqual(await payloadOf(page, 'onLogin'), identity);
    await context.close();
  });

  test('costs one round trip: no CORS preflight, even the first time on a page', async () => {
    const { context, page } = await device();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const sent = [];
    cdp.on('Network.requestWillBeSent', (e) => sent.push(`${e.request.method} ${new URL(e.request.url).pathname}`));
    await value(page, 'logIn', await signToken({ email: 'one-trip@example.com' }));
    assert.deepEqual(sent.filter((r) => r.includes('/identities/')), ['POST /v1/identities/login']);
    await context.close();
  });

  test('rejects a non-string or empty token with INVALID_ARGUMENT', async () => {
    const { context, page } = await device();
    for (const bad of [undefined, null, 42, '', { jwt: 'x' }]) {
      const r = await page.evaluate(async (bad) => {
        try { await KustomerChat.logIn(bad); return 'resolved'; } catch (e) { return { name: e.name, code: e.code, message: e.message, isError: e instanceof Error }; }
      }, bad);
      assert.equal(r.code, 'INVALID_ARGUMENT', `logIn(${JSON.stringify(bad)})`);
      assert.equal(r.name, 'KustomerChatError');
      assert.equal(r.isError, true);
      assert.ok(r.message.length > 10);
    }
    await context.close();
  });

  test('rejects a malformed token with INVALID_TOKEN without a request', async () => {
    const { context, page } = await device();
    const header = b64({ alg: 'HS256', typ: 'JWT' });
    const sig = b64('signature');
    const malformed = {
      'one part': 'abc',
      'two parts': `${header}.${b64({ email: 'a@b.c', iat: now() })}`,
      'four parts': `${header}.${b64({ email: 'a@b.c', iat: now() })}.${sig}.x`,
      'bad base64': `${header}.***.${sig}`,
      'header not JSON': `${b64('nope')}.${b64({ email: 'a@b.c', iat: now() })}.${sig}`,
      'alg none': `${b64({ alg: 'none' })}.${b64({ email: 'a@b.c', iat: now() })}.`,
      'alg RS256': `${b64({ alg: 'RS256' })}.${b64({ email: 'a@b.c', iat: now() })}.${sig}`,
      'payload not JSON': `${header}.${b64('{')}.${sig}`,
      'no email or externalId': `${header}.${b64({ sub: 'x', iat: now() })}.${sig}`,
      'email not a string': `${header}.${b64({ email: 7, iat: now() })}.${sig}`,
      'iat missing': `${header}.${b64({ email: 'a@b.c' })}.${sig}`,
      'iat a string': `${header}.${b64({ email: 'a@b.c', iat: String(now()) })}.${sig}`,
    };
    page.apiRequests.length = 0;
    for (const [why, token] of Object.entries(malformed)) {
      const r = await call(page, 'logIn', token);
      assert.equal(r.code, 'INVALID_TOKEN', why);
    }
    assert.deepEqual(page.apiRequests, []);
    await context.close();
  });

  test('rejects an old iat or a passed exp with TOKEN_EXPIRED', async () => {
    const { context, page } = await device();
    assert.equal((await call(page, 'logIn', await signToken({ email: 'old@example.com' }, { iat: now() - 17 * 60 }))).code, 'TOKEN_EXPIRED');
    assert.equal((await call(page, 'logIn', await signToken({ email: 'old@example.com', exp: now() - 120 }))).code, 'TOKEN_EXPIRED');
    await context.close();
  });

  test('rejects a token the service does not verify with TOKEN_REJECTED and changes nothing', async () => {
    const { context, page } = await device();
    await value(page, 'logIn', await signToken({ email: 'keep@example.com' }));
    const identity = await value(page, 'getIdentity');
    const stored = await page.evaluate(() => JSON.stringify(localStorage));
    await recordEvents(page);

    const r = await call(page, 'logIn', await signToken({ email: 'mallory@example.com' }, { secret: 'not-the-org-secret-not-the-org-secret' }));
    assert.equal(r.code, 'TOKEN_REJECTED');
    assert.deepEqual(await value(page, 'getIdentity'), identity);
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage)), stored);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'keep@example.com'), true);
    assert.deepEqual(await lifecycle(page), []);
    await context.close();
  });

  test('an unknown API key is TOKEN_REJECTED', async () => {
    const context = await env.browser.newContext();
    const page = await openPage(context, env.site.page({ apiKey: 'not-a-key' }));
    assert.equal((await call(page, 'logIn', await signToken({ email: 'x@example.com' }))).code, 'TOKEN_REJECTED');
    await context.close();
  });

  test('logging in as the customer already logged in resolves without a request', async () => {
    const { context, page } = await device();
    const first = await value(page, 'logIn', await signToken({ email: 'same@example.com' }));
    await recordEvents(page);
    page.apiRequests.length = 0;
    const again = await value(page, 'logIn', await signToken({ email: '  SAME@example.com ' }));
    assert.deepEqual(again, first);
    assert.deepEqual(page.apiRequests.filter((u) => u.includes('/identities/')), []);
    assert.deepEqual(await lifecycle(page), []);
    await context.close();
  });

  test('moves the anonymous chats onto the identified customer', async () => {
    const { context, page } = await device();
    const conversation = await value(page, 'createConversation', { message: 'hello before login' });
    const anonymous = await value(page, 'getIdentity');
    assert.equal(anonymous.verified, false);
    assert.equal(typeof anonymous.customerId, 'string');

    const identity = await value(page, 'logIn', await signToken({ externalId: 'mover-1' }));
    assert.notEqual(identity.customerId, anonymous.customerId);
    assert.deepEqual((await value(page, 'getConversations')).map((c) => c.id), [conversation.id]);
    await context.close();
  });

  test('another device logging in as the same customer sees their history', async () => {
    const a = await device();
    await value(a.page, 'logIn', await signToken({ email: 'traveller@example.com' }));
    const conversation = await value(a.page, 'createConversation', { message: 'from my laptop' });

    const b = await device();
    assert.deepEqual(await value(b.page, 'getConversations'), []);
    const identity = await value(b.page, 'logIn', await signToken({ email: 'traveller@example.com' }));
    assert.equal(identity.customerId, (await value(a.page, 'getIdentity')).customerId);
    assert.notEqual(identity.trackingId, (await value(a.page, 'getIdentity')).trackingId);
    const messages = await value(b.page, 'getMessages', conversation.id);
    assert.deepEqual(messages.map((m) => [m.body, m.author]), [['from my laptop', 'customer']]);
    await a.context.close();
    await b.context.close();
  });

  test('a conversation of another customer is NOT_FOUND', async () => {
    const a = await device();
    const conversation = await value(a.page, 'createConversation', { message: 'private' });
    const b = await device();
    await value(b.page, 'logIn', await signToken({ email: 'snoop@example.com' }));
    assert.equal((await call(b.page, 'getMessages', conversation.id)).code, 'NOT_FOUND');
    assert.equal((await call(b.page, 'sendMessage', conversation.id, 'hi')).code, 'NOT_FOUND');
    assert.equal((await call(b.page, 'markRead', conversation.id)).code, 'NOT_FOUND');
    await a.context.close();
    await b.context.close();
  });
});

describe('isLoggedIn', () => {
  test('compares email case-insensitively and trimmed, userId exactly, without a request', async () => {
    const { context, page } = await device();
    assert.equal(await value(page, 'isLoggedIn', 'email', 'pat@example.com'), false);
    await value(page, 'logIn', await signToken({ email: 'Pat@Example.com', externalId: 'Pat-7' }));
    page.apiRequests.length = 0;
    assert.equal(await value(page, 'isLoggedIn', 'email', ' PAT@example.COM  '), true);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'pat@example.org'), false);
    assert.equal(await value(page, 'isLoggedIn', 'userId', 'Pat-7'), true);
    assert.equal(await value(page, 'isLoggedIn', 'userId', 'pat-7'), false);
    assert.equal(await value(page, 'isLoggedIn', 'userId', ' Pat-7'), false);
    assert.deepEqual(page.apiRequests, []);
    await context.close();
  });

  test('rejects another idType or a non-string id with INVALID_ARGUMENT', async () => {
    const { context, page } = await device();
    for (const args of [['phone', 'x'], ['EMAIL', 'x'], ['email', 5], ['userId', null], ['email'], []]) {
      assert.equal((await call(page, 'isLoggedIn', ...args)).code, 'INVALID_ARGUMENT', JSON.stringify(args));
    }
    await context.close();
  });

  test('sees a logIn made just before it, in call order', async () => {
    const { context, page } = await device();
    const token = await signToken({ email: 'order@example.com' });
    const results = await page.evaluate(async (token) => {
      const order = [];
      const a = KustomerChat.isLoggedIn('email', 'order@example.com').then((v) => order.push(['before', v]));
      const b = KustomerChat.logIn(token).then(() => order.push(['logIn']));
      const c = KustomerChat.isLoggedIn('email', 'order@example.com').then((v) => order.push(['after', v]));
      const d = KustomerChat.logIn(42).catch((e) => order.push(['bad', e.code]));
      const e = KustomerChat.logOut().then(() => order.push(['logOut']));
      const f = KustomerChat.isLoggedIn('email', 'order@example.com').then((v) => order.push(['end', v]));
      await Promise.all([a, b, c, d, e, f]);
      return order;
    }, token);
    assert.deepEqual(results, [['before', false], ['logIn'], ['after', true], ['bad', 'INVALID_ARGUMENT'], ['logOut'], ['end', false]]);
    await context.close();
  });
});

describe('logOut', () => {
  test('clears the identity, makes a new device id and calls onLogout', async () => {
    const { context, page } = await device();
    const identity = await value(page, 'logIn', await signToken({ email: 'leaver@example.com' }));
    await value(page, 'createConversation', { message: 'bye soon' });
    await recordEvents(page);
    assert.equal(await value(page, 'logOut'), undefined);
    const after = await value(page, 'getIdentity');
    assert.equal(after.verified, false);
    assert.equal(after.email, null);
    assert.equal(after.customerId, null);
    assert.notEqual(after.trackingId, identity.trackingId);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'leaver@example.com'), false);
    assert.deepEqual(await value(page, 'getConversations'), []);
    assert.deepEqual((await lifecycle(page)), ['onLogout']);
    await context.close();
  });

  test('resolves when nobody was logged in', async () => {
    const { context, page } = await device();
    const before = await value(page, 'getIdentity');
    assert.equal(await value(page, 'logOut'), undefined);
    assert.notEqual((await value(page, 'getIdentity')).trackingId, before.trackingId);
    await context.close();
  });
});

describe('logOutThenLogIn', () => {
  test('switches customers in one step', async () => {
    const { context, page } = await device();
    const first = await value(page, 'logIn', await signToken({ email: 'first@example.com' }));
    await value(page, 'createConversation', { message: 'first customer chat' });
    await recordEvents(page);
    const second = await value(page, 'logOutThenLogIn', await signToken({ externalId: 'second-2' }));
    assert.equal(second.externalId, 'second-2');
    assert.notEqual(second.customerId, first.customerId);
    assert.notEqual(second.trackingId, first.trackingId);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'first@example.com'), false);
    assert.equal(await value(page, 'isLoggedIn', 'userId', 'second-2'), true);
    assert.deepEqual(await value(page, 'getConversations'), []);
    assert.deepEqual((await lifecycle(page)), ['onLogout', 'onLogin']);
    await context.close();
  });

  test('stays logged out when the logIn part fails', async () => {
    const { context, page } = await device();
    await value(page, 'logIn', await signToken({ email: 'stay@example.com' }));
    const r = await call(page, 'logOutThenLogIn', await signToken({ email: 'x@example.com' }, { iat: now() - 3600 }));
    assert.equal(r.code, 'TOKEN_EXPIRED');
    assert.equal((await value(page, 'getIdentity')).verified, false);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'stay@example.com'), false);
    await context.close();
  });
});

describe('persistence and events', () => {
  test('the login survives a reload and the token is not stored', async () => {
    const { context, page } = await device();
    const token = await signToken({ email: 'reload@example.com' });
    const identity = await value(page, 'logIn', token);
    await page.reload();
    await page.evaluate(() => KustomerChat.ready);
    assert.deepEqual(await value(page, 'getIdentity'), identity);
    assert.equal(await value(page, 'isLoggedIn', 'email', 'reload@example.com'), true);
    const stored = await page.evaluate(() => JSON.stringify(localStorage));
    assert.ok(!stored.includes(token.split('.')[2]), 'the JWT signature is not in localStorage');
    assert.ok(!stored.includes(token.split('.')[1]), 'the JWT payload is not in localStorage');
    await context.close();
  });

  test('a throwing listener does not stop the others; removers work', async () => {
    const { context, page } = await device();
    const token = await signToken({ email: 'listeners@example.com' });
    const seen = await page.evaluate(async (token) => {
      const seen = [];
      KustomerChat.addListener('onLogin', () => { throw new Error('site bug'); });
      KustomerChat.addListener('onLogin', (id) => seen.push(id.email));
      const remove = KustomerChat.addListener('onLogin', () => seen.push('removed listener ran'));
      remove();
      const fn = () => seen.push('removeListener did not work');
      KustomerChat.addListener('onLogin', fn);
      KustomerChat.removeListener('onLogin', fn);
      await KustomerChat.logIn(token);
      seen.push(await KustomerChat.isLoggedIn('email', 'listeners@example.com'));
      return seen;
    }, token);
    assert.deepEqual(seen, ['listeners@example.com', true]);
    assert.ok(page.errors.some((e) => e.includes('onLogin listener threw')));
    await context.close();
  });

  test('addListener rejects an unknown event or a non-function synchronously', async () => {
    const { context, page } = await device();
    const codes = await page.evaluate(() => [['onNope', () => {}], ['onLogin', 'not a function']].map(([e, fn]) => {
      try { KustomerChat.addListener(e, fn); return 'no throw'; } catch (err) { return err.code; }
    }));
    assert.deepEqual(codes, ['INVALID_ARGUMENT', 'INVALID_ARGUMENT']);
    await context.close();
  });
});
