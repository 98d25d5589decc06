// What the widget costs and when it arrives: a first-time visitor pays for the loader
// and launcher only, a returning visitor's badge is live by itself, data-launcher="none",
// open() before the core is ready, the tag's data-* options, and the pre-load snippet.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { API_KEY, chat, openPage, setUp, signToken, storedMessages, value, waitFocused, waitForPoll, widget, withPage } from './harness.js';

const env = setUp();

const snippet = readFileSync(new URL('../kustomer-chat-snippet.js', import.meta.url), 'utf8').trim();

// serviceRequests records the paths of every request the context makes to the service.
function serviceRequests(context) {
  const seen = [];
  context.on('request', (r) => { if (r.url().startsWith(env.service.url)) seen.push(new URL(r.url()).pathname); });
  return seen;
}
const costly = (paths) => paths.filter((p) => /\.wasm$|kustomer-chat-core|kustomer-chat-widget|^\/v1\//.test(p));
const observe = (ms) => new Promise((r) => setTimeout(r, ms)); // a window in which nothing may happen

test('a first-time visitor on a page that never calls the API fetches the loader only, until the pointer reaches the launcher', async () => {
  const context = await env.browser.newContext();
  try {
    const seen = serviceRequests(context);
    const url = env.site.page();
    const page = await openPage(context, url, { waitReady: false });
    const w = widget(page);
    await w.launcher.waitFor();
    await observe(3000); // past the loader's idle-time start (requestIdleCallback, 3 s timeout)
    assert.deepEqual(seen, ['/sdk/kustomer-chat.js']);
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), [], 'a visit with no chat stores nothing');

    // The next page view of that visitor is still a first visit.
    await page.reload();
    await w.launcher.waitFor();
    await observe(1500);
    assert.deepEqual(costly(seen), [], `fetched: ${seen}`);

    // Intent: the pointer over the launcher fetches what a chat needs, before any click.
    const wasm = page.waitForRequest((r) => r.url().endsWith('.wasm'));
    const panel = page.waitForRequest((r) => r.url().includes('kustomer-chat-widget'));
    await w.launcher.hover();
    await Promise.all([wasm, panel]);
    await page.evaluate(() => KustomerChat.ready);
    assert.equal(await w.dialog.count(), 0, 'hovering opens nothing');
  } finally {
    await context.close();
  }
});

test('focus on the launcher is intent too: Tab to it fetches the core', async () => {
  await withPage(env, { site: { body: '<a href="#top">top</a>' } }, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    const wasm = page.waitForRequest((r) => r.url().endsWith('.wasm'));
    await page.keyboard.press('Tab'); // the page's link
    await page.keyboard.press('Tab'); // the launcher
    await waitFocused(w.launcher);
    await wasm;
  });
});

test("a returning visitor's unread badge is live with no interaction", async () => {
  const context = await env.browser.newContext();
  try {
    const first = await openPage(context, env.site.page(), { waitReady: false });
    await chat(first, 'I will be back');
    const [conversation] = await value(first, 'getConversations');
    await first.close();
    await env.service.agentReply(conversation.id, 'We answered while you were away');

    // A new page view: no pointer, no key, no API call.
    const seen = serviceRequests(context);
    const page = await openPage(context, env.site.page(), { waitReady: false });
    const w = widget(page);
    await w.unread(1).waitFor({ timeout: 5000 });
    assert.ok(seen.some((p) => p.endsWith('.wasm')), 'the core was started for the badge');
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'And again');
    await w.unread(2).waitFor({ timeout: 1000 });
    assert.equal(await w.dialog.count(), 0);
  } finally {
    await context.close();
  }
});

test('data-launcher="none": no launcher; the site opens the chat with open() and gets the focus back on Escape', async () => {
  const body = '<button id="help" onclick="KustomerChat.open()">Help</button>';
  await withPage(env, { site: { data: { launcher: 'none' }, body } }, async (page) => {
    await page.waitForFunction(() => window.KustomerChat);
    const w = widget(page);
    assert.equal(await w.launcher.count(), 0);
    assert.equal(await page.getByRole('button').count(), 1, 'the page has only its own button');

    await page.getByRole('button', { name: 'Help' }).click();
    await w.dialog.waitFor();
    await waitFocused(w.composer);
    assert.equal(await value(page, 'isVisible'), true);
    await page.keyboard.type('opened from the site button');
    await page.keyboard.press('Enter');
    await w.message('opened from the site button').getByText('Sent', { exact: true }).waitFor();

    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(page.getByRole('button', { name: 'Help' }));
    await value(page, 'open');
    await w.dialog.waitFor();
    await value(page, 'close');
    await w.dialog.waitFor({ state: 'hidden' });
    assert.equal(await w.launcher.count(), 0);
  });
});

test('open() called before the core is ready shows the panel, and a message typed then is sent once it is', async () => {
  const context = await env.browser.newContext();
  try {
    let release;
    const gate = new Promise((r) => { release = r; });
    await context.route(/\.wasm$/, async (route) => { await gate; await route.continue(); });
    const page = await openPage(context, env.site.page(), { waitReady: false });
    await page.waitForFunction(() => window.KustomerChat);
    const state = await page.evaluate(async () => {
      window.__ready = false;
      KustomerChat.ready.then(() => { window.__ready = true; });
      await KustomerChat.open();
      return { ready: window.__ready, visible: await KustomerChat.isVisible() };
    });
    assert.deepEqual(state, { ready: false, visible: true });
    const w = widget(page);
    await w.dialog.waitFor();
    await waitFocused(w.composer);
    await page.keyboard.type('typed before the core ran');
    await page.keyboard.press('Enter');
    await w.message('typed before the core ran').waitFor();
    assert.equal(await page.evaluate(() => window.__ready), false, 'the core is still held back');

    release();
    await w.message('typed before the core ran').getByText('Sent', { exact: true }).waitFor({ timeout: 5000 });
    assert.deepEqual((await storedMessages(env.service, page)).map((m) => m.body), ['typed before the core ran']);
  } finally {
    await context.close();
  }
});

test('data-title, data-greeting, data-position and data-color configure the widget; a colour that is not one is ignored', async () => {
  const data = { title: 'Ask Acme', greeting: 'Hello from Acme!', position: 'left', color: '#8a2be2' };
  await withPage(env, { site: { data }, context: { viewport: { width: 1280, height: 800 } } }, async (page) => {
    const w = widget(page, { title: 'Ask Acme' });
    const box = await w.launcher.boundingBox();
    assert.deepEqual([box.x, box.y + box.height], [20, 800 - 20], 'the launcher sits in the bottom-left corner');
    assert.equal(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(138, 43, 226)');
    await w.launcher.click();
    await w.dialog.waitFor();
    await w.log.getByText('Hello from Acme!').waitFor();
    assert.equal((await w.dialog.boundingBox()).x, 20, 'the panel opens on the left too');
    assert.equal(await page.getByRole('heading', { name: 'Ask Acme' }).count(), 1);
  });
  await withPage(env, { site: { data: { color: 'red;}.launcher{display:none' } } }, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    assert.equal(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(31, 95, 209)', 'the default accent');
  });
});

test('the pre-load snippet: calls made on its stub settle in call order once the loader arrives, and its addListener works', async () => {
  const email = `snippet-${Date.now()}@example.com`;
  const token = await signToken({ email });
  // Runs in the page's head, before the async loader can have run.
  const calls = `<script>
    window.__log = [];
    const log = (...e) => window.__log.push(e);
    window.__wasStub = !!KustomerChat._q && !KustomerChat.__loader;
    KustomerChat.addListener('onLogin', (identity) => log('onLogin', identity.email));
    KustomerChat.addListener('onOpen', () => log('onOpen'));
    const off = KustomerChat.addListener('onLogout', () => log('onLogout (removed: must not fire)'));
    off();
    KustomerChat.ready.then(() => log('ready'));
    KustomerChat.isLoggedIn('email', ${JSON.stringify(email)}).then((v) => log('isLoggedIn', v));
    KustomerChat.logIn(${JSON.stringify(token)}).then((identity) => log('logIn', identity.email));
    KustomerChat.isLoggedIn('email', ${JSON.stringify(email)}).then((v) => log('isLoggedIn', v));
    KustomerChat.open().then(() => log('open'));
    KustomerChat.isVisible().then((v) => log('isVisible', v));
    KustomerChat.logOut().then(() => log('logOut'));
    KustomerChat.getIdentity().then((identity) => log('getIdentity', identity.verified));
  </script>`;
  await withPage(env, { site: { head: `<script>${snippet}</script>${calls}` } }, async (page) => {
    await page.waitForFunction(() => window.__log.some((e) => e[0] === 'getIdentity'), null, { timeout: 10000 });
    const log = await page.evaluate(() => window.__log);
    assert.equal(await page.evaluate(() => window.__wasStub), true, 'the calls were made on the snippet stub');
    const core = log.filter((e) => ['isLoggedIn', 'logIn', 'logOut', 'getIdentity'].includes(e[0]));
    assert.deepEqual(core, [['isLoggedIn', false], ['logIn', email], ['isLoggedIn', true], ['logOut'], ['getIdentity', false]]);
    assert.deepEqual(log.filter((e) => e[0] === 'onLogin'), [['onLogin', email]]);
    assert.ok(log.some((e) => e[0] === 'ready'));
    assert.equal(log.filter((e) => String(e[0]).startsWith('onLogout')).length, 0, 'the listener removed on the stub stayed removed');
    await widget(page).dialog.waitFor();
    await page.waitForFunction(() => window.__log.some((e) => e[0] === 'open'));
    assert.deepEqual(log.filter((e) => e[0] === 'isVisible'), [['isVisible', true]]);
    assert.equal((await page.evaluate(() => window.__log)).filter((e) => e[0] === 'onOpen').length, 1);
    assert.equal(await page.evaluate(() => KustomerChat.__loader), true, 'the loader took over the global');
    assert.equal(await page.evaluate((key) => localStorage.getItem(key).includes('snippet-'), `kustomer-chat:${API_KEY}`), false);
  });
});

test("the README's after-load embed: the loader is fetched after the page's load event, and calls made on the snippet's stub before it settle", async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const embed = readme.match(/<script>(addEventListener\('load'[^\n]*?)<\/script>/)[1]
    .replace('https://chat.example.com', env.service.url).replace('PUBLIC_API_KEY', API_KEY);
  const head = `<script>${snippet}</script><script>${embed}</script>
    <script>window.__early = KustomerChat.isVisible().then(() => KustomerChat.getIdentity()).then((id) => typeof id.trackingId);</script>`;
  await withPage(env, { site: { head, loader: false } }, async (page) => {
    assert.equal(await page.evaluate(() => window.__early), 'string');
    const timing = await page.evaluate(() => ({
      load: performance.getEntriesByType('navigation')[0].loadEventStart,
      loaderStart: performance.getEntriesByType('resource').find((e) => e.name.endsWith('/sdk/kustomer-chat.js')).startTime,
    }));
    assert.ok(timing.load > 0 && timing.loaderStart >= timing.load, JSON.stringify(timing));
  });
});
