// The npm package as a site gets it: the packed tarball (make npm-package) installed
// into a project of its own, a TypeScript sample type-checked and bundled with the
// repository's tsc and esbuild, and run in Chromium on the site's origin against the
// real service.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { API_KEY, setUp, signToken, widget, withPage } from './harness.js';

const root = new URL('../../', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'js/package/package.json'), 'utf8'));
const tarball = join(root, `bin/kustomer-chat-${version}.tgz`);

const env = setUp();

// What a site writes: typed throughout. window.site is the page's configuration; the
// sample leaves its outcome in window.result and loadKustomerChat in window.load for
// the tests' other cases.
const SAMPLE = `
import { loadKustomerChat } from 'kustomer-chat';
import type { KustomerChat, KustomerChatError, KustomerTrackingIdentity, LoadOptions } from 'kustomer-chat';

declare global {
  interface Window {
    site: { serverUrl: string; apiKey: string; jwt: string; email: string };
    result: unknown;
    load: typeof loadKustomerChat;
  }
}

const getToken = async (): Promise<string> => window.site.jwt;

async function main(): Promise<void> {
  const options: LoadOptions = { serverUrl: window.site.serverUrl, apiKey: window.site.apiKey, title: 'Ask Fernhill', position: 'left', getToken };
  const first = loadKustomerChat(options);
  const again = loadKustomerChat({ ...options });
  const chat: KustomerChat = await first;
  const identity: KustomerTrackingIdentity = await chat.logIn(window.site.jwt);
  const loggedIn: boolean = await chat.isLoggedIn('email', window.site.email);
  const otherKey = await loadKustomerChat({ ...options, apiKey: 'another-key' }).then(() => 'resolved', (e: KustomerChatError) => e.code);
  window.result = { samePromise: first === again, sameGlobal: chat === window.KustomerChat, email: identity.email, loggedIn, otherKey };
}

// Never called: each line must not compile.
export function misuse(): void {
  // @ts-expect-error serverUrl is required
  loadKustomerChat({ apiKey: 'k' });
  // @ts-expect-error the launcher corner is left or right
  loadKustomerChat({ serverUrl: 'https://chat.example.com', apiKey: 'k', position: 'top' });
  // @ts-expect-error it resolves to the SDK, whose logIn takes a JWT string
  loadKustomerChat({ serverUrl: 'https://chat.example.com', apiKey: 'k' }).then((chat) => chat.logIn(42));
}

window.load = loadKustomerChat;
if (window.site) main().catch((e: KustomerChatError) => { window.result = { error: e.code + ': ' + e.message }; });
`;

const project = mkdtempSync(join(tmpdir(), 'kustomer-chat-npm-'));
let bundle;

before(() => {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-site', private: true, type: 'module' }));
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'ES2022', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], skipLibCheck: false },
    files: ['sample.ts'],
  }));
  writeFileSync(join(project, 'sample.ts'), SAMPLE);
  // The package has no dependencies: nothing is fetched.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project, stdio: 'pipe' });
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', project], { stdio: 'pipe' });
  execFileSync(join(root, 'node_modules/.bin/esbuild'), ['sample.ts', '--bundle', '--format=esm', '--log-level=warning', '--outfile=app.js'], { cwd: project, stdio: 'pipe' });
  bundle = readFileSync(join(project, 'app.js'), 'utf8');
  assert.ok(!bundle.includes('</script'), 'the bundle can be inlined');
});
after(() => rmSync(project, { recursive: true, force: true }));

// page is a site page without the SDK's tag that runs the bundle (window.site when
// given); head: markup before it.
function page({ site, head = '' } = {}) {
  const config = site ? `<script>window.site=${JSON.stringify(site)}</script>` : '';
  return env.site.page({ loader: false, head: `${head}${config}<script type="module">${bundle}</script>` });
}

const loaderTags = (p) => p.evaluate(() => document.querySelectorAll('script[src*="kustomer-chat.js"]').length);
const result = (p) => p.waitForFunction(() => window.result).then((h) => h.jsonValue());

test('the tarball holds the module, its typings and the SDK typings they re-export, nothing else', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(files, ['package/LICENSE', 'package/README.md', 'package/index.d.ts', 'package/index.js', 'package/kustomer-chat.d.ts', 'package/package.json']);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  assert.equal(manifest.name, 'kustomer-chat');
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.dependencies, undefined);
});

test('importing the package in Node (server-side rendering) touches no window; a call there rejects NOT_CONFIGURED', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
    const { loadKustomerChat } = await import('kustomer-chat');
    const e = await loadKustomerChat({ serverUrl: 'https://chat.example.com', apiKey: 'k' }).catch((e) => e);
    console.log(JSON.stringify({ name: e.name, code: e.code }));
  `], { cwd: project, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { name: 'KustomerChatError', code: 'NOT_CONFIGURED' });
});

test('the bundled sample loads the chat from the service once, logs in and shows the launcher with its options', async () => {
  const email = 'npm-site@example.com';
  const jwt = await signToken({ email });
  await withPage(env, { url: page({ site: { serverUrl: env.service.url, apiKey: API_KEY, jwt, email } }) }, async (p) => {
    assert.deepEqual(await result(p), { samePromise: true, sameGlobal: true, email, loggedIn: true, otherKey: 'INVALID_ARGUMENT' });
    assert.equal(await loaderTags(p), 1);
    const w = widget(p, { title: 'Ask Fernhill' });
    await w.launcher.click();
    await w.dialog.waitFor();
    const box = await w.dialog.boundingBox();
    assert.ok(box.x < 100, `position "left" puts the panel on the left (x ${box.x})`);
  });
});

test('a loader that cannot be fetched rejects NETWORK_ERROR, and a later call tries again', async () => {
  await withPage(env, { url: page() }, async (p) => {
    await p.waitForFunction(() => window.load);
    const failed = await p.evaluate((serverUrl) => window.load({ serverUrl, apiKey: 'k' }).then(() => null, (e) => ({ name: e.name, code: e.code })), `${env.service.url}/nowhere`);
    assert.deepEqual(failed, { name: 'KustomerChatError', code: 'NETWORK_ERROR' });
    assert.equal(await loaderTags(p), 0, 'the failed tag is removed');
    const later = await p.evaluate(([serverUrl, apiKey]) => window.load({ serverUrl, apiKey }).then((kc) => kc === window.KustomerChat), [env.service.url, API_KEY]);
    assert.equal(later, true);
    assert.equal(await loaderTags(p), 1);
  });
});

test("a page whose own script tag is still loading keeps it: no second tag", async () => {
  const email = 'tagged-site@example.com';
  const config = `<script>window.site=${JSON.stringify({ serverUrl: env.service.url, apiKey: API_KEY, jwt: await signToken({ email }), email })}</script>`;
  const context = await env.browser.newContext();
  try {
    // The page's tag arrives late: the sample's call finds it there, not yet run.
    await context.route('**/sdk/kustomer-chat.js', async (route) => {
      await new Promise((r) => setTimeout(r, 500));
      await route.continue();
    });
    const p = await context.newPage();
    const before = '<script type="module">window.loaderRanFirst = !!window.KustomerChat</script>';
    await p.goto(env.site.page({ head: `${config}${before}<script type="module">${bundle}</script>` }));
    assert.equal(await p.evaluate(() => window.loaderRanFirst), false, 'the call came before the loader ran');
    assert.deepEqual(await result(p), { samePromise: true, sameGlobal: true, email, loggedIn: true, otherKey: 'INVALID_ARGUMENT' });
    assert.equal(await loaderTags(p), 1);
  } finally {
    await context.close();
  }
});

test("a page with the pre-load snippet gets the loader added, and the snippet's queued calls settle", async () => {
  const snippet = readFileSync(join(root, 'js/kustomer-chat-snippet.js'), 'utf8').trim();
  const head = `<script>${snippet};window.queued = KustomerChat.getIdentity().then((i) => i.trackingId)</script>`;
  await withPage(env, { url: page({ head }) }, async (p) => {
    await p.waitForFunction(() => window.load);
    const loaded = await p.evaluate(([serverUrl, apiKey]) => window.load({ serverUrl, apiKey }).then((kc) => kc.__loader), [env.service.url, API_KEY]);
    assert.equal(loaded, true);
    assert.match(await p.evaluate(() => window.queued), /^[0-9a-f-]{36}$/);
    assert.equal(await loaderTags(p), 1);
  });
});
