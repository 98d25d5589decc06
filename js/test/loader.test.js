// The script-tag loader: the stub queue before the core is ready, ready, start,
// double inclusion, load failures, and how the service serves the SDK.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { API_KEY, call, openPage, signToken, setUp, value } from './harness.js';

const env = setUp();

test('calls made before the core is ready return Promises and settle in call order', async () => {
  const token = await signToken({ email: 'early@example.com' });
  // This inline script runs right after the loader, long before the .wasm arrives.
  const head = `<script>window.__token = ${JSON.stringify(token)};</script>`;
  const context = await env.browser.newContext();
  const url = env.site.page({ head });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  const result = await page.evaluate(async () => {
    await new Promise((r) => { if (window.KustomerChat) r(); else document.querySelector('script[src*="kustomer-chat.js"]').addEventListener('load', r); });
    const order = [];
    const wasReady = await Promise.race([KustomerChat.ready.then(() => true), Promise.resolve(false)]);
    const p1 = KustomerChat.isLoggedIn('email', 'early@example.com');
    const p2 = KustomerChat.logIn(window.__token);
    const p3 = KustomerChat.isLoggedIn('email', 'early@example.com');
    const isPromise = p1 instanceof Promise && p2 instanceof Promise;
    await Promise.all([p1.then((v) => order.push(['isLoggedIn', v])), p2.then((id) => order.push(['logIn', id.email])), p3.then((v) => order.push(['isLoggedIn', v]))]);
    return { wasReady, isPromise, order };
  });
  assert.equal(result.wasReady, false, 'the calls were made before ready');
  assert.equal(result.isPromise, true);
  assert.deepEqual(result.order, [['isLoggedIn', false], ['logIn', 'early@example.com'], ['isLoggedIn', true]]);
  await context.close();
});

test('including the loader twice loads the core once', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const wasm = [];
  page.on('request', (r) => { if (r.url().includes('.wasm')) wasm.push(r.url()); });
  await page.goto(env.site.page({ twice: true }));
  await page.evaluate(() => KustomerChat.ready);
  assert.equal(await value(page, 'isLoggedIn', 'email', 'x@example.com'), false);
  assert.equal(wasm.length, 1);
  await context.close();
});

test('without data-api-key, calls before start reject NOT_CONFIGURED and start configures', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page({ apiKey: null }));
  assert.equal((await call(page, 'getIdentity')).code, 'NOT_CONFIGURED');
  assert.equal((await call(page, 'logIn', await signToken({ email: 'a@example.com' }))).code, 'NOT_CONFIGURED');
  assert.equal((await call(page, 'start', { apiKey: 42 })).code, 'INVALID_ARGUMENT');
  await value(page, 'start', { apiKey: API_KEY });
  assert.equal((await value(page, 'logIn', await signToken({ email: 'late@example.com' }))).email, 'late@example.com');
  assert.equal((await call(page, 'start', { apiKey: 'another-key' })).code, 'INVALID_ARGUMENT');
  await context.close();
});

test('start and a call queued before ready run in call order', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.site.page({ apiKey: null }), { waitUntil: 'commit' });
  const codes = await page.evaluate(async (apiKey) => {
    await new Promise((r) => { if (window.KustomerChat) r(); else document.querySelector('script[src*="kustomer-chat.js"]').addEventListener('load', r); });
    const before = KustomerChat.getIdentity().then(() => 'resolved', (e) => e.code);
    const start = KustomerChat.start({ apiKey }).then(() => 'started');
    const afterStart = KustomerChat.getIdentity().then((id) => typeof id.trackingId);
    return Promise.all([before, start, afterStart]);
  }, API_KEY);
  assert.deepEqual(codes, ['NOT_CONFIGURED', 'started', 'string']);
  await context.close();
});

test('ready rejects with a clear error when the core cannot load, and so do the calls', async () => {
  const context = await env.browser.newContext();
  // Serve the loader from a directory that has no .wasm beside it.
  await context.route('**/missing/kustomer-chat.js', async (route) => {
    const r = await fetch(`${env.service.url}/sdk/kustomer-chat.js`);
    await route.fulfill({ status: 200, contentType: 'text/javascript', body: await r.text() });
  });
  const page = await openPage(context, env.site.page({ loaderSrc: `${env.service.url}/missing/kustomer-chat.js` }), { waitReady: false });
  const r = await page.evaluate(async () => {
    const ready = await KustomerChat.ready.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message }));
    const later = await KustomerChat.getIdentity().then(() => null, (e) => e.code);
    return { ready, later };
  });
  assert.equal(r.ready.name, 'KustomerChatError');
  assert.equal(r.ready.code, 'NETWORK_ERROR');
  assert.match(r.ready.message, /could not load/);
  assert.equal(r.later, 'NETWORK_ERROR');
  await context.close();
});

test('ready rejects when the browser has no WebAssembly', async () => {
  const context = await env.browser.newContext();
  await context.addInitScript(() => { delete window.WebAssembly; });
  const page = await openPage(context, env.site.page(), { waitReady: false });
  const r = await page.evaluate(() => KustomerChat.ready.then(() => null, (e) => ({ name: e.name, code: e.code, message: e.message })));
  assert.deepEqual(r, { name: 'KustomerChatError', code: 'INTERNAL', message: 'this browser cannot run WebAssembly' });
  assert.equal((await call(page, 'isLoggedIn', 'email', 'a@b.c')).code, 'INTERNAL');
  await context.close();
});

test('the service serves the core brotli-compressed as application/wasm under an immutable hashed name', async () => {
  const loader = await fetch(`${env.service.url}/sdk/kustomer-chat.js`);
  assert.equal(loader.headers.get('cache-control'), 'public, max-age=300', 'sites paste this URL: it must pick up releases');
  const [wasmName] = (await loader.text()).match(/kustomer-chat\.[0-9a-f]{12}\.wasm/);
  const url = `${env.service.url}/sdk/${wasmName}`;
  const br = await fetch(url, { headers: { 'Accept-Encoding': 'br' } });
  assert.equal(br.status, 200);
  assert.equal(br.headers.get('content-type'), 'application/wasm');
  assert.equal(br.headers.get('content-encoding'), 'br');
  assert.equal(br.headers.get('access-control-allow-origin'), '*');
  assert.match(br.headers.get('cache-control'), /immutable/);
  const gz = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  const raw = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
  assert.equal(raw.headers.get('content-encoding'), null);
  const bytes = new Uint8Array(await raw.arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'WebAssembly magic number');
  assert.deepEqual(new Uint8Array(await br.arrayBuffer()), bytes); // fetch decodes br
  assert.deepEqual(new Uint8Array(await gz.arrayBuffer()), bytes);
});

test('a panic-free core survives hostile arguments and keeps working', async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context, env.site.page());
  const codes = await page.evaluate(async () => {
    const hostile = [Symbol('s'), { toString() { throw new Error('boom'); } }, new Proxy({}, { get() { throw new Error('trap'); } }), 1n, () => {}];
    const out = [];
    for (const h of hostile) {
      for (const m of ['logIn', 'isLoggedIn', 'getMessages', 'createConversation', 'start']) {
        out.push(await KustomerChat[m](h, h).then(() => 'resolved', (e) => e.code));
      }
    }
    return [...new Set(out)];
  });
  assert.ok(codes.every((c) => c === 'INVALID_ARGUMENT' || c === 'INTERNAL'), codes.join());
  assert.equal(await value(page, 'isLoggedIn', 'email', 'a@b.c'), false);
  await context.close();
});
