// The widget and its host page leave each other alone: hostile global CSS does not
// reach the widget, the widget changes nothing of the page, and a strict CSP host page
// sees no violation.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { chat, openPage, setUp, value, waitFocused, waitForPoll, widget, withPage } from './harness.js';

const env = setUp();

const viewport = { width: 1280, height: 800 };

const hostile = `<style>
  * { all: unset !important; }
  html, body { font: italic 40px/3 "Comic Sans MS", cursive !important; color: red !important; letter-spacing: 9px !important; }
  button { display: none !important; width: 300px !important; }
  div { font-size: 40px !important; padding: 50px !important; }
  p, span, h2, textarea, form, time { font-size: 5px !important; display: none !important; visibility: hidden !important; }
  [role="dialog"], [role="log"] { display: none !important; }
  kustomer-chat { display: none !important; position: static !important; opacity: 0 !important; width: 1px !important;
    height: 1px !important; overflow: hidden !important; transform: translateX(-9999px) !important; font-size: 40px !important;
    color: red !important; filter: blur(5px) !important; pointer-events: none !important; z-index: -1 !important; }
</style>`;

// metrics is what a visitor sees of the widget: boxes, fonts and colours, closed and open.
async function metrics(page) {
  const w = widget(page);
  const style = (loc, ...props) => loc.evaluate((el, props) => {
    const s = getComputedStyle(el);
    return Object.fromEntries(props.map((p) => [p, s.getPropertyValue(p)]));
  }, props);
  const box = async (loc) => Object.values(await loc.boundingBox()).map(Math.round);
  await w.launcher.waitFor();
  const closed = {
    launcher: await box(w.launcher),
    launcherStyle: await style(w.launcher, 'background-color', 'border-radius', 'display', 'opacity', 'cursor'),
    host: await style(w.host, 'position', 'display', 'opacity', 'transform', 'filter', 'z-index'),
  };
  await w.launcher.click();
  await w.dialog.waitFor();
  await waitFocused(w.composer);
  await page.keyboard.type('styled as designed');
  await page.keyboard.press('Enter');
  const message = w.message('styled as designed');
  await message.getByText('Sent', { exact: true }).waitFor();
  return {
    ...closed,
    dialog: await box(w.dialog),
    heading: await style(page.getByRole('heading', { name: 'Chat with us' }), 'font-size', 'font-family', 'font-weight', 'color'),
    composer: await style(w.composer, 'font-size', 'font-family', 'letter-spacing', 'color', 'display'),
    composerBox: await box(w.composer),
    bubble: await style(message.locator('.bubble'), 'font-size', 'font-family', 'font-style', 'line-height', 'letter-spacing', 'color', 'background-color', 'padding'),
    send: await box(w.send),
    close: await box(w.closer),
  };
}

test('hostile global CSS on the host page does not change the widget: size, place, fonts, and it works', async () => {
  const clean = await withPage(env, { context: { viewport } }, metrics);
  // The widget as designed: a 56x56 launcher 20 px from the bottom-right corner.
  assert.deepEqual(clean.launcher, [viewport.width - 76, viewport.height - 76, 56, 56]);
  assert.equal(clean.composer['font-size'], '16px');

  await withPage(env, { site: { head: hostile }, context: { viewport } }, async (page) => {
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), '40px', 'the hostile CSS is in force on the page');
    assert.deepEqual(await metrics(page), clean);

    // And it works: a reply arrives in the thread, the list and Escape work.
    const w = widget(page);
    const [conversation] = await value(page, 'getConversations');
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'Looks fine here');
    await w.message('Looks fine here').waitFor({ timeout: 1000 });
    await w.allConversations.click();
    await w.newConversation.waitFor();
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
  });
});

const shop = {
  head: `<title>Shop</title><style>
    body { margin: 0; font: 16px/1.5 Georgia, serif; color: #222; background: #fafafa; }
    header { display: flex; justify-content: space-between; padding: 12px 24px; background: #333; color: #fff; }
    button { font: inherit; padding: 6px 12px; border-radius: 4px; }
    .grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px; padding: 24px; }
    .card { border: 1px solid #ccc; padding: 16px; background: #fff; }
    div { box-sizing: border-box; }
    p { margin: 0 0 8px; }
    footer { position: fixed; right: 0; bottom: 0; padding: 8px 16px; background: #eee; }
    :focus { outline: 2px dashed purple; }
  </style>`,
  body: `<header><h1>Shop</h1><nav><a href="#cart">Cart</a> <button type="button">Sign in</button></nav></header>
    <main><div class="grid">${[1, 2, 3, 4, 5].map((i) => `<div class="card"><h2>Item ${i}</h2><p>A fine thing.</p><button type="button">Buy</button></div>`).join('')}</div>
    <form><label>Note <textarea rows="3"></textarea></label></form><p>${'Long text. '.repeat(300)}</p></main>
    <footer>Support hours 9-5</footer>`,
};

// hostSnapshot is the host page as laid out and styled: every element of the light DOM
// but the widget's host and the loader's tag, and the document's own state.
function hostSnapshot(page) {
  return page.evaluate(() => {
    const props = ['display', 'position', 'font-family', 'font-size', 'line-height', 'color', 'background-color', 'margin', 'padding', 'overflow', 'visibility', 'z-index', 'transform', 'filter'];
    const elements = [...document.querySelectorAll('*')]
      .filter((el) => el.localName !== 'kustomer-chat' && !(el.localName === 'script' && el.src.includes('kustomer-chat')))
      .map((el) => {
        const r = el.getBoundingClientRect();
        const s = getComputedStyle(el);
        return [el.localName, [r.x, r.y, r.width, r.height].map(Math.round).join(','), props.map((p) => s.getPropertyValue(p)).join('|'),
          [...el.attributes].map((a) => `${a.name}=${a.value}`).join(' ')];
      });
    return {
      elements,
      scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight, scrollX, scrollY],
      styleSheets: document.styleSheets.length,
      adoptedStyleSheets: document.adoptedStyleSheets.length,
      bodyChildren: [...document.body.children].map((el) => el.localName).filter((n) => n !== 'kustomer-chat'),
      title: document.title,
    };
  });
}

test('the widget changes nothing of the host page, closed or open', async () => {
  const without = await withPage(env, { site: { ...shop, loader: false }, context: { viewport } }, hostSnapshot);
  assert.ok(without.elements.length > 30);
  await withPage(env, { site: shop, context: { viewport } }, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    assert.deepEqual(await hostSnapshot(page), without, 'with the launcher');
    assert.equal(await page.locator('kustomer-chat').count(), 1);
    const hostBox = await w.host.boundingBox();
    assert.ok(hostBox.width === 0 && hostBox.height === 0, 'the host element takes no room of its own');

    await w.launcher.click();
    await w.dialog.waitFor();
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await w.message('hello').getByText('Sent', { exact: true }).waitFor();
    assert.deepEqual(await hostSnapshot(page), without, 'with the panel open');
    // The page still scrolls under the non-modal panel.
    await page.mouse.wheel(0, 600);
    await page.waitForFunction(() => scrollY > 0);
  });
});

// The CSP of the SPEC for a host page: the service origin for scripts (loader, core
// runtime, panel module) and connections, WebAssembly compilation, and 'self' for the
// rest; no 'unsafe-inline', no 'unsafe-eval'. Extra sources are what the page itself
// needs (the hash of an inline snippet).
const csp = (extraScript = '') => `default-src 'self'; script-src 'self' ${extraScript}${env.service.url} 'wasm-unsafe-eval'; `
  + `connect-src ${env.service.url}; style-src 'self'`;

// watchCSP records the page's securitypolicyviolation events from before its first
// script runs (Playwright's init scripts are not subject to the page's CSP).
async function watchCSP(context) {
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`);
    });
  });
}
const violations = (page) => page.evaluate(() => window.__violations);

test('on a strict-CSP host page, opening, sending and receiving cause zero CSP violations', async () => {
  const context = await env.browser.newContext({ viewport });
  try {
    await watchCSP(context);
    const page = await openPage(context, env.site.page({ headers: { 'Content-Security-Policy': csp() } }), { waitReady: false });
    const w = widget(page);
    const launcher = await w.launcher.boundingBox();
    assert.deepEqual([launcher.width, launcher.height], [56, 56], 'the widget is styled without inline styles');
    await chat(page, 'hello under CSP https://example.com');
    const [conversation] = await value(page, 'getConversations');
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'Replies arrive too', 'Dana');
    await w.message('Replies arrive too').waitFor({ timeout: 1000 });
    await w.allConversations.click();
    await w.newConversation.waitFor();
    await page.keyboard.press('Escape');
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'One more');
    await w.unread(1).waitFor({ timeout: 1000 });
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(page.errors.filter((e) => /Content Security Policy/i.test(e)), []);

    // The listener would have seen one: an inline style is refused by this policy.
    await page.evaluate(() => document.head.append(Object.assign(document.createElement('style'), { textContent: 'p{}' })));
    await page.waitForFunction(() => window.__violations.length === 1);
  } finally {
    await context.close();
  }
});

test('the pre-load snippet on a strict-CSP page needs only its hash', async () => {
  const snippet = readFileSync(new URL('../kustomer-chat-snippet.js', import.meta.url), 'utf8').trim();
  const hash = `'sha256-${createHash('sha256').update(snippet).digest('base64')}' `;
  const context = await env.browser.newContext({ viewport });
  try {
    await watchCSP(context);
    const url = env.site.page({ head: `<script>${snippet}</script>`, headers: { 'Content-Security-Policy': csp(hash) } });
    const page = await openPage(context, url, { waitReady: false });
    await page.waitForFunction(() => KustomerChat.__loader);
    await value(page, 'open');
    await widget(page).dialog.waitFor();
    await page.evaluate(() => KustomerChat.ready);
    assert.deepEqual(await violations(page), []);
  } finally {
    await context.close();
  }
});
