// The browser-test harness: the real service binary on a temporary SQLite file, a site
// on another origin that embeds the SDK with a script tag, and Debian's Chromium.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url).pathname;
export const API_KEY = 'test-public-key';
export const JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const AGENT_KEY = 'test-agent-key';

// setUp gives a test file its own service, site and browser, started before its
// tests and stopped after them.
// service: startService's options; prepare(env), when given, runs once they are up
// (before hooks of a file may run at the same time: a second one cannot wait for these).
export function setUp({ service = {}, prepare } = {}) {
  const env = {};
  before(async () => {
    env.service = await startService(service);
    env.site = await startSite(env.service);
    env.browser = await launchBrowser();
    await prepare?.(env);
  });
  after(async () => {
    await env.browser?.close();
    await env.site?.close();
    await env.service?.close();
  });
  return env;
}

// UNLIMITED are the service's arguments that turn its abuse limits off, for the
// benchmarks: they load the service from one address as fast as they can, which
// would measure the limits instead of the service.
export const UNLIMITED = ['-limit-anonymous', 'off', '-limit-logins', 'off', '-limit-conversations', 'off',
  '-limit-messages', 'off', '-max-sessions-per-customer', '0'];

// startService runs bin/kustomer-chat-server, with more environment variables (env)
// and flags (args), on db (its -db: by default a new SQLite file). stop() and start()
// again keep the same address and database, as an operator restarting it would;
// kill() ends it with SIGKILL, as a crash.
export async function startService({ env = {}, args = [], db } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kustomer-chat-test-'));
  const service = { url: null, proc: null, db: db ?? join(dir, 'chat.db') };
  let addr = '127.0.0.1:0';
  service.start = async () => {
    const proc = spawn(join(root, 'bin/kustomer-chat-server'), ['-addr', addr, '-db', service.db, ...args], {
      env: { ...process.env, KUSTOMER_CHAT_API_KEY: API_KEY, KUSTOMER_CHAT_JWT_SECRET: JWT_SECRET, KUSTOMER_CHAT_AGENT_KEY: AGENT_KEY, ...env },
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
  const end = async (signal) => {
    const { proc } = service;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.kill(signal);
    await exited;
  };
  service.stop = () => end('SIGTERM');
  service.kill = () => end('SIGKILL');
  service.close = async () => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  service.agentReply = async (conversationId, body, authorName) => {
    const r = await fetch(`${service.url}/v1/agent/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${AGENT_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ body, authorName }),
    });
    if (r.status !== 201) throw new Error(`agent reply: HTTP ${r.status}`);
    return (await r.json()).message;
  };
  // conversations is every conversation the service stores (agent API), each with its
  // customer, open ones first, newest activity first.
  service.conversations = async () => {
    const r = await fetch(`${service.url}/v1/agent/conversations?status=all`, { headers: { Authorization: `Bearer ${AGENT_KEY}` } });
    if (r.status !== 200) throw new Error(`agent conversations: HTTP ${r.status}`);
    return (await r.json()).conversations;
  };
  // agentApi calls the agent API (bearer agent key): { status, body } (body null
  // when not JSON), to check what the service stores.
  service.agentApi = async (method, path, body) => {
    const r = await fetch(`${service.url}/v1/agent${path}`, {
      method,
      headers: { Authorization: `Bearer ${AGENT_KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  // agentCommand runs the operator's `agent <command>` on the service's database,
  // with stdin on its standard input; it resolves to what the command printed.
  service.agentCommand = (command, args, stdin = '') => new Promise((resolve, reject) => {
    const proc = spawn(join(root, 'bin/kustomer-chat-server'), ['agent', command, '-db', service.db, ...args],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (c) => { out += c; });
    proc.stderr.on('data', (c) => { out += c; });
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`agent ${command} exited with ${code}: ${out}`))));
    proc.stdin.end(stdin);
  });
  // addAgent adds an agent as an operator does, the password on standard input.
  service.addAgent = ({ email, name, password }) => service.agentCommand('add', ['--email', email, '--name', name], password + '\n');
  // visitor makes a customer by the SDK API, without a browser (anonymous, or
  // logged in with jwt), and starts a conversation with text:
  // { customerId, conversationId, session }.
  service.visitor = async (text, { jwt } = {}) => {
    const sdk = (path, body, session) => fetch(`${service.url}/v1${path}`, {
      method: 'POST',
      headers: { 'X-Kustomer-Api-Key': API_KEY, 'Content-Type': 'application/json', ...(session ? { Authorization: `Bearer ${session}` } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (r.status !== 200 && r.status !== 201) throw new Error(`POST ${path}: HTTP ${r.status}`);
      return r.json();
    });
    const trackingId = crypto.randomUUID();
    const { identity, sessionToken } = jwt
      ? await sdk('/identities/login', { jwt, trackingId })
      : await sdk('/identities/anonymous', { trackingId });
    const { conversation } = await sdk('/conversations', { message: text }, sessionToken);
    return { customerId: identity.customerId, conversationId: conversation.id, session: sessionToken };
  };
  await service.start();
  return service;
}

// startScaleEnv runs bin/kustomer-chat-scaleenv (make test-browser builds it): a
// PostgreSQL with an empty database and a NATS server, for several instances of the
// service: { db, nats, close() }. close() ends its standard input, which stops both.
// Where PostgreSQL cannot run it rejects with an error whose unavailable is true.
export async function startScaleEnv() {
  const proc = spawn(join(root, 'bin/kustomer-chat-scaleenv'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const line = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    proc.on('error', reject);
    // 3: the command's status where PostgreSQL cannot run.
    proc.on('exit', (code) => reject(code === 3
      ? Object.assign(new Error('PostgreSQL cannot run here (apt-get install postgresql to run these tests; CI=true fails instead)'), { unavailable: true })
      : new Error(`kustomer-chat-scaleenv exited with ${code} (make bin/kustomer-chat-scaleenv builds it)`)));
  });
  const { db, nats } = JSON.parse(line);
  return { db, nats, close: async () => { proc.stdin.end(); await exited; } };
}

// setUpScaleOut gives a test file `instances` services on one PostgreSQL database and
// one NATS (startScaleEnv), started at once as an operator's would be, a site per
// service (sites[i]'s pages load the SDK from services[i]) and a browser.
// startInstance() starts one more service on them, for a test that kills it. All are
// stopped after the file's tests, failed or not. service: startService's options for
// every instance. env.test(name, fn) is test(), skipped where PostgreSQL cannot run,
// as the Go tests on PostgreSQL are (pgtest), unless CI=true.
export function setUpScaleOut({ instances = 2, service = {} } = {}) {
  const env = { services: [], sites: [], extra: [] };
  env.test = (name, fn) => test(name, (t) => (env.unavailable ? t.skip(env.unavailable) : fn(t)));
  const options = () => ({ ...service, db: env.scale.db, args: ['-nats', env.scale.nats, ...(service.args ?? [])] });
  env.startInstance = async () => {
    const s = await startService(options());
    env.extra.push(s);
    return s;
  };
  before(async () => {
    try {
      env.scale = await startScaleEnv();
    } catch (e) {
      if (!e.unavailable || process.env.CI === 'true') throw e;
      env.unavailable = e.message;
      return;
    }
    // allSettled: after() must not run while a start it cannot see yet is under way.
    const started = await Promise.allSettled(Array.from({ length: instances }, async (_, i) => {
      env.services[i] = await startService(options());
      env.sites[i] = await startSite(env.services[i]);
    }));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await Promise.all(env.sites.map((s) => s.close()));
    await Promise.all([...env.services, ...env.extra].map((s) => s.close()));
    await env.scale?.close();
  });
  return env;
}

// startSite serves the host page from a different origin than the service, as real
// sites do. page(opts) returns the URL of a page embedding the loader.
export async function startSite(service) {
  const pages = new Map();
  const server = createServer((req, res) => {
    const page = pages.get(new URL(req.url, 'http://x').pathname);
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...page.headers }).end(page.html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let n = 0;
  return {
    origin,
    // apiKey: null for a tag without data-api-key; data: more data-* attributes of the
    // tag ({ launcher: 'none' } gives data-launcher="none"); head: markup before the
    // loader; body: the page's content; loaderSrc: another loader URL; twice: include
    // the loader twice; loader: false for the same page without the tag; headers:
    // more headers of the page's response (a Content-Security-Policy, say).
    page({ apiKey = API_KEY, data = {}, head = '', body = 'site', loaderSrc = `${service.url}/sdk/kustomer-chat.js`, twice = false, loader = true, headers = {} } = {}) {
      const path = `/page-${++n}.html`;
      const attrs = Object.entries({ 'api-key': apiKey, ...data }).filter(([, v]) => v != null)
        .map(([k, v]) => ` data-${k}="${String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`).join('');
      const tag = loader ? `<script src="${loaderSrc}"${attrs} async></script>` : '';
      pages.set(path, { headers, html: `<!doctype html><html lang="en"><head><meta charset="utf-8">${head}${tag}${twice ? tag : ''}</head><body>${body}</body></html>` });
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
  // The event long polls the service holds (wait > 0) and when each began, for
  // waitForPoll: the SDK's, or the agent inbox's.
  page.polls = new Map();
  page.on('request', (r) => { if (/\/(v1|agent\/api)\/events\?.*wait=[1-9]/.test(r.url())) page.polls.set(r, Date.now()); });
  page.on('requestfinished', (r) => page.polls.delete(r));
  page.on('requestfailed', (r) => page.polls.delete(r));
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

// recordEvents makes the page keep the SDK's events (by default those of the identity
// and the chat) in window.__events.
export function recordEvents(page, names = ['onLogin', 'onLogout', 'onConversationCreate', 'onMessageReceived', 'onUnread']) {
  return page.evaluate((names) => {
    window.__events = window.__events || [];
    for (const e of names) {
      KustomerChat.addListener(e, (payload) => window.__events.push({ event: e, payload }));
    }
  }, names);
}

export const events = (page) => page.evaluate(() => window.__events);

// lifecycle is the names of the recorded events but onUnread, which the event poller
// also fires when a session's unread total first becomes known.
export const lifecycle = async (page) => (await events(page)).map((e) => e.event).filter((e) => e !== 'onUnread');

export const payloadOf = async (page, event) => (await events(page)).find((e) => e.event === event)?.payload;

// withPage opens url (or site.page(site)) in a new context made with context options,
// runs fn(page, context) and always closes the context. waitReady as in openPage; by
// default it does not touch KustomerChat, which would fetch the core.
export async function withPage(env, { url, site = {}, context: contextOptions = {}, waitReady = false } = {}, fn) {
  const context = await env.browser.newContext(contextOptions);
  try {
    const page = await openPage(context, url || env.site.page(site), { waitReady });
    return await fn(page, context);
  } finally {
    await context.close();
  }
}

// widget finds the widget's parts by accessible role and name, as a visitor's
// assistive technology would; role locators pierce the open shadow root and skip
// what is hidden.
export function widget(page, { title = 'Chat with us' } = {}) {
  return {
    launcher: page.getByRole('button', { name: /^Open chat/ }),
    dialog: page.getByRole('dialog', { name: title }),
    log: page.getByRole('log', { name: 'Messages' }),
    composer: page.getByRole('textbox', { name: 'Message' }),
    send: page.getByRole('button', { name: 'Send message' }),
    closer: page.getByRole('button', { name: 'Close chat' }),
    allConversations: page.getByRole('button', { name: 'All conversations' }),
    newConversation: page.getByRole('button', { name: 'New conversation' }),
    retry: page.getByRole('button', { name: 'Retry' }),
    status: page.getByRole('status'),
    host: page.locator('kustomer-chat'),
    // unread: the launcher as named with n unread messages (0: plain "Open chat").
    unread: (n) => page.getByRole('button', { name: n ? `Open chat, ${n} unread message${n > 1 ? 's' : ''}` : 'Open chat', exact: true }),
    // message: a message of the thread whose text contains text.
    message: (text) => page.getByRole('log', { name: 'Messages' }).locator('.msg', { hasText: text }),
  };
}

// inbox finds the agent inbox's parts by accessible role and name.
export function inbox(page) {
  const conversations = page.getByRole('list', { name: 'Conversations' });
  const log = page.getByRole('log', { name: 'Messages' });
  return {
    email: page.getByRole('textbox', { name: 'Email' }),
    password: page.getByLabel('Password'),
    signIn: page.getByRole('button', { name: 'Sign in' }),
    signInError: page.locator('#sign-in-error'),
    heading: page.getByRole('heading', { name: 'Inbox', exact: true, level: 1 }),
    signOut: page.getByRole('button', { name: 'Sign out' }),
    filter: (name) => page.getByRole('radio', { name }),
    conversations,
    // row: the conversation whose row (customer, preview) contains text.
    row: (text) => conversations.getByRole('button').filter({ hasText: text }),
    log,
    message: (text) => log.locator('.msg', { hasText: text }),
    reply: page.getByRole('textbox', { name: 'Reply' }),
    close: page.getByRole('button', { name: 'Close conversation' }),
    reopen: page.getByRole('button', { name: 'Reopen conversation' }),
    status: page.locator('#thread-status'),
    search: page.getByRole('searchbox', { name: 'Search customers' }),
    customers: page.getByRole('list', { name: 'Customers found' }),
    customer: page.getByRole('complementary', { name: 'Customer' }),
    exportData: page.getByRole('button', { name: 'Export data' }),
    erase: page.getByRole('complementary', { name: 'Customer' }).getByRole('button', { name: 'Erase customer' }),
    eraseDialog: page.getByRole('dialog', { name: 'Erase this customer?' }),
    earlier: page.getByRole('button', { name: 'Load earlier messages' }),
    more: page.getByRole('button', { name: 'Load more' }),
    announcer: page.locator('#announcer'),
  };
}

// signIn signs the inbox page in through its form and waits for the inbox.
export async function signIn(page, { email, password }) {
  const ui = inbox(page);
  await ui.email.fill(email);
  await ui.password.fill(password);
  await ui.signIn.click();
  await ui.heading.waitFor();
  return ui;
}

// withInbox opens the agent inbox in a new context (options as withPage's), signs
// agent in, and runs fn(ui, page, context).
export function withInbox(env, agent, options, fn) {
  return withPage(env, { url: `${env.service.url}/agent/`, ...options }, async (page, context) => {
    const ui = await signIn(page, agent);
    return fn(ui, page, context);
  });
}

const axeSource = readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

// runAxe runs axe-core's WCAG 2.1 A and AA rules on the page and returns its
// result ({ violations, passes, ... }).
export async function runAxe(page) {
  // Evaluated, not added as a script tag: a page under a strict CSP (the inbox's)
  // refuses inline scripts.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource);
  return page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }).then((r) => ({ violations: r.violations, passes: r.passes })));
}

// axeFindings are runAxe's violations as readable lines, [] when there are none.
export const axeFindings = (result) => result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' >>> ')}: ${n.failureSummary}`).join('\n    ')}`);

// send types text in the open panel's composer, presses Enter, and waits until the
// message says it is sent.
export async function send(page, text) {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await widget(page).message(text).getByText('Sent', { exact: true }).waitFor();
}

// chat opens the panel and sends text, as a visitor's first message.
export async function chat(page, text) {
  const w = await openPanel(page);
  await send(page, text);
  return w;
}

// waitFocused waits until locator's element has the focus, inside its shadow root and
// in the document.
// openPanel opens the chat by its launcher, as a visitor does, and waits for the focus
// in the composer.
export async function openPanel(page) {
  const w = widget(page);
  await w.launcher.click();
  await w.dialog.waitFor();
  await waitFocused(w.composer);
  return w;
}

// waitFocused waits until the element the locator finds has the focus. The locator is
// resolved again on every try: a list drawn anew holds other elements.
export async function waitFocused(locator, timeout = 2000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const focused = await locator.evaluate((el) => {
      const root = el.getRootNode();
      return root.activeElement === el && (root === document || document.activeElement === root.host);
    }, null, { timeout: Math.max(1, deadline - Date.now()) }).catch(() => false);
    if (focused) return;
    if (Date.now() >= deadline) throw new Error(`${locator} did not get the focus within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// shadowText is all the text in the widget's shadow root, hidden parts included.
export const shadowText = (page) => page.evaluate(() => document.querySelector('kustomer-chat')?.shadowRoot?.textContent ?? '');

// storedMessages is what the service stores for the page's customer: every message of
// every conversation (agent API for the list, the customer's own session for each
// thread), oldest first within a conversation.
export async function storedMessages(service, page) {
  const { customerId } = await value(page, 'getIdentity');
  const state = JSON.parse(await page.evaluate((key) => localStorage.getItem(key), `kustomer-chat:${API_KEY}`));
  const mine = (await service.conversations()).filter((c) => c.customer.id === customerId);
  const out = [];
  for (const c of mine) {
    const r = await fetch(`${service.url}/v1/conversations/${c.id}/messages`, {
      headers: { 'X-Kustomer-Api-Key': API_KEY, Authorization: `Bearer ${state.sessionToken}` },
    });
    if (r.status !== 200) throw new Error(`messages of ${c.id}: HTTP ${r.status}`);
    out.push(...(await r.json()).messages);
  }
  return out;
}

// waitForPoll waits until the page holds an event long poll at the service, so that
// what the service stores next reaches the page by that poll. A poll counts once held
// for held ms: one that the service answers at once (it had news) is no wait.
export function waitForPoll(page, { timeout = 5000, held = 200 } = {}) {
  return eventually(() => {
    const since = Math.min(...page.polls.values());
    assert.ok(Date.now() - since >= held, 'the page holds no event long poll');
  }, { timeout });
}

// eventually retries fn (an async assertion) until it passes or timeout ms have gone.
export async function eventually(fn, { timeout = 2000, interval = 25 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}
