// Screenshots of the demo shop with the chat widget and of the agent inbox, for the
// README, from real Chromium against the real service:
//
//   make screenshots            (builds first; or: node js/screenshots.js [--out DIR])
//
// It starts bin/kustomer-chat-server -dev on a temporary SQLite file, drives the shop
// as a visitor would (the launcher, the composer, the footer's "Answer as agent"),
// answers from the inbox at /agent/ as an agent the operator's command added, and
// writes PNGs to docs/screenshots/. It fails when a page breaks its own strict
// CSP, logs an error, or axe-core finds a WCAG 2.1 A/AA violation.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = new URL('../', import.meta.url).pathname;
const { values: opts } = parseArgs({ options: { out: { type: 'string', default: join(root, 'docs/screenshots') } } });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const CUSTOMER = 'Hi! Is the stoneware mug dishwasher safe?';
const AGENT = 'Hi! Yes, it is: glazed inside and out, fine in the dishwasher and the microwave.';
const FOLLOW_UP = 'Great, thanks! Does it come in other colours?';
const INBOX_REPLY = 'It does: sea green, oat and charcoal. All three are in stock and ship tomorrow.';
const INBOX_AGENT = { email: 'maya@fernhill.example', name: 'Maya', password: 'screenshots only, never a real one' };

// The service, as make run starts it, on a database of its own.
async function startService() {
  const dir = mkdtempSync(join(tmpdir(), 'kustomer-chat-screenshots-'));
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KUSTOMER_CHAT_')) delete env[k];
  const proc = spawn(join(root, 'bin/kustomer-chat-server'), ['-dev', '-addr', '127.0.0.1:0', '-db', join(dir, 'chat.db')],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (c) => { err += c; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (code) => reject(new Error(`the service exited with ${code} (run make build first?): ${err}`)));
  });
  return {
    url,
    // addAgent runs the operator's command on the service's database.
    addAgent: ({ email, name, password }) => new Promise((resolve, reject) => {
      const add = spawn(join(root, 'bin/kustomer-chat-server'), ['agent', 'add', '-db', join(dir, 'chat.db'), '--email', email, '--name', name],
        { env, stdio: ['pipe', 'ignore', 'pipe'] });
      let out = '';
      add.stderr.on('data', (c) => { out += c; });
      add.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`agent add exited with ${code}: ${out}`))));
      add.stdin.end(password + '\n');
    }),
    async close() {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.on('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const problems = [];

// Every page records the CSP violations it sees, from its first script on.
function recordViolations() {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(`${e.violatedDirective}: ${e.blockedURI || 'inline'}`);
  });
}

async function newPage(browser, name, options) {
  const context = await browser.newContext({ locale: 'en-US', timezoneId: 'Europe/London', ...options });
  await context.addInitScript(recordViolations);
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${name}: console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${name}: HTTP ${r.status()} ${r.url()}`); });
  return page;
}

async function check(page, name) {
  const violations = await page.evaluate(() => window.__violations);
  for (const v of violations) problems.push(`${name}: CSP violation ${v}`);
  // axe-core, as the browser tests run it: WCAG 2.1 A and AA, inside the shadow root too.
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  })).violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
  for (const v of found) problems.push(`${name}: axe ${v}`);
}

async function shoot(page, file) {
  const path = join(opts.out, file);
  await page.screenshot({ path });
  console.log(`wrote ${path}`);
}

const launcher = (page) => page.getByRole('button', { name: /^Open chat/ });
const panel = (page) => page.getByRole('dialog', { name: 'Fernhill Goods' });

// The visitor writes, the agent answers from the footer's form.
async function converse(page, { openAgain = false } = {}) {
  await launcher(page).click();
  const composer = panel(page).getByRole('textbox', { name: 'Message' });
  await composer.fill(CUSTOMER);
  await composer.press('Enter');
  await panel(page).getByText('Sent', { exact: true }).waitFor();
  if (openAgain) await panel(page).getByRole('button', { name: 'Close chat' }).click();
  await page.getByRole('button', { name: 'Answer as agent' }).click();
  const agent = page.getByRole('dialog', { name: 'Answer as the agent' });
  await agent.getByText(CUSTOMER).waitFor();
  await agent.getByRole('textbox', { name: 'Reply' }).fill(AGENT);
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.waitFor({ state: 'hidden' });
  if (openAgain) {
    await page.getByRole('button', { name: 'Open chat, 1 unread message' }).waitFor();
  } else {
    await panel(page).getByText(AGENT).waitFor();
  }
  // The toast that confirmed the reply goes by itself.
  await page.locator('#toast').getByText(/./).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
}

// The inbox with the shop's conversation open: the visitor writes again, the agent
// answers from the inbox, and the widget shows the reply with the agent's name.
async function answerFromInbox(browser, shop) {
  await service.addAgent(INBOX_AGENT);
  const page = await newPage(browser, 'inbox', { viewport: DESKTOP });
  // Signed in before the page loads (the context's requests share its cookies), so
  // the picture's page never meets a 401.
  const signedIn = await page.context().request.post(`${service.url}/agent/api/sign-in`,
    { data: { email: INBOX_AGENT.email, password: INBOX_AGENT.password } });
  if (signedIn.status() !== 200) throw new Error(`inbox sign-in: HTTP ${signedIn.status()}`);
  // Signed in at the shop, the visitor is a verified customer with an email.
  await shop.getByRole('button', { name: 'Sign in' }).click();
  const form = shop.getByRole('dialog', { name: 'Sign in' });
  await form.getByRole('textbox', { name: 'Email' }).fill('sam@example.com');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await shop.getByText('Hi, sam@example.com').waitFor();
  await shop.waitForFunction(() => window.KustomerChat.isLoggedIn('email', 'sam@example.com'));
  const composer = panel(shop).getByRole('textbox', { name: 'Message' });
  await composer.fill(FOLLOW_UP);
  await composer.press('Enter');
  await page.goto(`${service.url}/agent/`);
  const row = page.getByRole('list', { name: 'Conversations' }).getByRole('button').filter({ hasText: FOLLOW_UP });
  await row.click();
  const log = page.getByRole('log', { name: 'Messages' });
  await log.getByText(FOLLOW_UP).waitFor();
  await page.getByRole('complementary', { name: 'Customer' }).getByText('First seen').waitFor();
  await page.getByRole('textbox', { name: 'Reply' }).fill(INBOX_REPLY);
  await page.keyboard.press('Enter');
  await panel(shop).getByText(INBOX_REPLY).waitFor();
  if (!(await panel(shop).getByText('Maya ·').last().isVisible())) problems.push('inbox: the widget does not name the agent');
  await page.getByRole('textbox', { name: 'Reply' }).focus();
  await page.waitForTimeout(300); // past the buttons' transitions
  await check(page, 'inbox');
  await shoot(page, 'inbox.png');
  await page.context().close();
}

// Back to the top of the page, where a visitor reads the shop, and past the panel's
// opening animation.
async function settle(page) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(400);
}

// Not a picture: the rest of what a visitor of the demo does. Signing in keeps the
// anonymous conversation (now Ann's, also on another device); signing out leaves
// nothing of it in the chat.
async function signInAndOut(page, browser) {
  await page.getByRole('button', { name: 'Sign in' }).click();
  const form = page.getByRole('dialog', { name: 'Sign in' });
  await form.getByRole('textbox', { name: 'Email' }).fill('ann@example.com');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Hi, ann@example.com').waitFor();
  await page.waitForFunction(() => window.KustomerChat.isLoggedIn('email', 'ann@example.com'));
  await panel(page).getByText(AGENT).waitFor();

  const other = await newPage(browser, 'second device', { viewport: DESKTOP });
  await other.goto(service.url);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.getByRole('dialog', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
  await other.getByText('Hi, ann@example.com').waitFor();
  await other.getByRole('button', { name: 'Help' }).click();
  await panel(other).getByText(AGENT).waitFor();
  await other.context().close();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await panel(page).getByText('Write to us here').waitFor();
  if (await panel(page).getByText(CUSTOMER).count()) problems.push('sign-out: the previous customer\'s message is still in the chat');
  console.log('checked: sign in keeps the conversation, on another device too; sign out clears the chat');
}

const service = await startService();
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  mkdirSync(opts.out, { recursive: true });

  // 1 and 2: a desktop visitor, before and after a short conversation.
  {
    const page = await newPage(browser, 'desktop', { viewport: DESKTOP });
    await page.goto(service.url);
    await launcher(page).waitFor();
    await page.evaluate(() => document.fonts.ready);
    await check(page, 'desktop, closed');
    await shoot(page, 'shop-widget-closed.png');
    await converse(page);
    await panel(page).getByRole('textbox', { name: 'Message' }).focus();
    await settle(page);
    await check(page, 'desktop, open');
    await shoot(page, 'shop-widget-open.png');
    await answerFromInbox(browser, page);
    await page.context().close();
  }

  // 3: a phone; the agent answers while the chat is closed, so the badge counts it.
  {
    const page = await newPage(browser, 'phone', { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(service.url);
    await launcher(page).waitFor();
    await converse(page, { openAgain: true });
    await settle(page);
    await check(page, 'phone, closed');
    await shoot(page, 'phone-shop-unread.png');
    await launcher(page).click();
    await panel(page).getByText(AGENT).waitFor();
    await settle(page);
    await check(page, 'phone, open');
    await shoot(page, 'phone-widget-open.png');
    await page.context().close();
  }

  // 4: dark mode.
  {
    const page = await newPage(browser, 'dark', { viewport: DESKTOP, colorScheme: 'dark' });
    await page.goto(service.url);
    await launcher(page).waitFor();
    await converse(page);
    await settle(page);
    await check(page, 'dark, open');
    await shoot(page, 'shop-widget-open-dark.png');
    await signInAndOut(page, browser);
    await page.context().close();
  }
} finally {
  await browser.close();
  await service.close();
}

if (problems.length) {
  console.error(`\n${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
