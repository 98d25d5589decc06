// The browser-test harness: the real service binary on a temporary SQLite file, a site
// on another origin that embeds the SDK with a script tag, and Debian's Chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url).pathname;
export const API_KEY = 'test-public-key';
export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const AGENT_KEY = 'test-agent-key';

// setUp gives a test file its own service, site and browser, started before its
// tests and stopped after them.
export function setUp() {
  const env = {};
  before(async () => {
    env.service = await startService();
    env.site = await startSite(env.service);
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.site?.close();
    await env.service?.close();
  });
  return env;
}

// startService runs bin/kustomer-chat-server. stop() and start() again keep the same
// address and database, as an operator restarting it would.
export async function startService() {
  const dir = mkdtempSync(join(tmpdir(), 'kustomer-chat-test-'));
  const service = { url: null, proc: null };
  let addr = '127.0.0.1:0';
  service.start = async () => {
    const proc = spawn(join(root, 'bin/kustomer-chat-server'), ['-addr', addr, '-db', join(dir, 'chat.db')], {
      env: { ...process.env, KUSTOMER_CHAT_API_KEY: API_KEY, KUSTOMER_CHAT_JWT_SECRET: JWT_SECRET, KUSTOMER_CHAT_AGENT_KEY: AGENT_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    service.proc = proc;
    service.url = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/listening on (http:\/\/\S+)/);
        if (m) resolve(m[1]);
      });
      proc.on('exit', (code) => reject(new Error(`service exited with ${code}: ${out}`)));
    });
    addr = new URL(service.url).host;
  };
  service.stop = async () => {
    if (!service.proc || service.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => service.proc.on('exit', resolve));
    service.proc.kill('SIGTERM');
    await exited;
  };
  service.close = async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  service.agentReply = async (conversationId, body) => {
    const r = await fetch(`${service.url}/v1/agent/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${AGENT_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body }),
    });
    if (r.status !== 201) throw new Error(`agent reply: HTTP ${r.status}`);
    return (await r.json()).message;
  };
  await service.start();
  return service;
}

// startSite serves the host page from a different origin than the service, as real
// sites do. page(opts) returns the URL of a page embedding the loader.
export async function startSite(service) {
  const pages = new Map();
  const server = createServer((req, res) => {
    const html = pages.get(new URL(req.url, 'http://x').pathname);
    if (!html) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let n = 0;
  return {
    origin,
    // apiKey: null for a tag without data-api-key; head: markup before the loader;
    // loaderSrc: another loader URL; twice: include the loader twice.
    page({ apiKey = API_KEY, head = '', loaderSrc = `${service.url}/sdk/kustomer-chat.js`, twice = false } = {}) {
      const path = `/page-${++n}.html`;
      const tag = `<script src="${loaderSrc}"${apiKey ? ` data-api-key="${apiKey}"` : ''} async></script>`;
      pages.set(path, `<!doctype html><html><head><meta charset="utf-8">${head}${tag}${twice ? tag : ''}</head><body>site</body></html>`);
      return origin + path;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
  });
}

// signToken signs a login JWT as a site's backend would; claims override the defaults.
export function signToken(claims, { secret = JWT_SECRET, iat = Math.floor(Date.now() / 1000) } = {}) {
  return new SignJWT({ iat, ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

// openPage opens url in a context and waits for KustomerChat.ready. It records the
// requests the page makes to the service and its console warnings.
export async function openPage(context, url, { waitReady = true } = {}) {
  const page = await context.newPage();
  page.apiRequests = [];
  page.warnings = [];
  page.errors = [];
  // The event long poll runs in the background; apiRequests holds the calls' requests.
  page.on('request', (r) => { if (r.url().includes('/v1/') && !r.url().includes('/v1/events')) page.apiRequests.push(r.url()); });
  page.on('console', (m) => { if (m.type() === 'warning') page.warnings.push(m.text()); if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  if (waitReady) await page.evaluate(() => KustomerChat.ready);
  return page;
}

// call runs KustomerChat[method](...args) in the page and returns
// { ok, value } or { ok: false, name, code, message, isError }.
export function call(page, method, ...args) {
  return page.evaluate(async ([method, args]) => {
    try {
      return { ok: true, value: await KustomerChat[method](...args) };
    } catch (e) {
      return { ok: false, name: e.name, code: e.code, message: e.message, isError: e instanceof Error };
    }
  }, [method, args]);
}

// value unwraps a successful call and fails the test with the error otherwise.
export async function value(page, method, ...args) {
  const r = await call(page, method, ...args);
  if (!r.ok) throw new Error(`${method} rejected ${r.code}: ${r.message}`);
  return r.value;
}

// recordEvents makes the page keep every event of the SDK in window.__events.
export function recordEvents(page) {
  return page.evaluate(() => {
    window.__events = [];
    for (const e of ['onLogin', 'onLogout', 'onConversationCreate', 'onMessageReceived', 'onUnread']) {
      KustomerChat.addListener(e, (payload) => window.__events.push({ event: e, payload }));
    }
  });
}

export const events = (page) => page.evaluate(() => window.__events);

// lifecycle is the names of the recorded events but onUnread, which the event poller
// also fires when a session's unread total first becomes known.
export const lifecycle = async (page) => (await events(page)).map((e) => e.event).filter((e) => e !== 'onUnread');

export const payloadOf = async (page, event) => (await events(page)).find((e) => e.event === event)?.payload;
