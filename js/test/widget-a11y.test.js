// The widget as keyboard and screen-reader users meet it: opening and closing (launcher,
// API, Escape) with focus, aria-expanded and onOpen/onClose; the full-screen modal panel
// on a phone; and axe-core's WCAG 2.1 A/AA rules, light and dark.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axeFindings, chat, events, recordEvents, runAxe, setUp, value, waitFocused, widget, withPage } from './harness.js';

const env = setUp();

const openClose = async (page) => (await events(page)).map((e) => e.event);
const expanded = (w) => w.launcher.getAttribute('aria-expanded');

test('the launcher opens and closes the panel: aria-expanded, focus, onOpen/onClose once per change, isVisible', async () => {
  await withPage(env, {}, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    await recordEvents(page, ['onOpen', 'onClose']);
    assert.equal(await expanded(w), 'false');
    assert.equal(await value(page, 'isVisible'), false);

    await w.launcher.click();
    await w.dialog.waitFor();
    await waitFocused(w.composer);
    assert.equal(await expanded(w), 'true');
    assert.equal(await value(page, 'isVisible'), true);
    assert.equal(await w.dialog.getAttribute('aria-modal'), null, 'a non-modal dialog on a wide screen');
    assert.deepEqual(await openClose(page), ['onOpen']);

    // The launcher toggles: a second click closes.
    await w.launcher.click();
    await w.dialog.waitFor({ state: 'hidden' });
    assert.equal(await expanded(w), 'false');
    assert.equal(await value(page, 'isVisible'), false);
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose']);

    // The panel's own close button hands the focus back to the launcher.
    await w.launcher.click();
    await waitFocused(w.composer);
    await w.closer.click();
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
    assert.equal(await expanded(w), 'false');
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose', 'onOpen', 'onClose']);
  });
});

test('open() and close() show and hide the panel, fire onOpen/onClose once per change, and isVisible agrees', async () => {
  await withPage(env, {}, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    await recordEvents(page, ['onOpen', 'onClose']);

    const opened = await page.evaluate(async () => {
      await Promise.all([KustomerChat.open(), KustomerChat.open()]);
      await KustomerChat.open();
      return KustomerChat.isVisible();
    });
    assert.equal(opened, true);
    await w.dialog.waitFor();
    await waitFocused(w.composer);
    assert.equal(await expanded(w), 'true');
    assert.deepEqual(await openClose(page), ['onOpen'], 'three open() calls, one change');

    const closed = await page.evaluate(async () => {
      await KustomerChat.close();
      await KustomerChat.close();
      return KustomerChat.isVisible();
    });
    assert.equal(closed, false);
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
    assert.equal(await expanded(w), 'false');
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose']);

    // close() on a closed panel, then open(): still one event per change.
    await value(page, 'close');
    await value(page, 'open');
    await w.dialog.waitFor();
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose', 'onOpen']);
  });
});

test('Escape closes the panel and returns focus to the launcher', async () => {
  await withPage(env, {}, async (page) => {
    const w = widget(page);
    await w.launcher.waitFor();
    await recordEvents(page, ['onOpen', 'onClose']);
    await w.launcher.focus();
    await page.keyboard.press('Enter'); // the launcher is a real button
    await waitFocused(w.composer);
    await page.keyboard.type('not sent yet');
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
    assert.equal(await expanded(w), 'false');
    assert.equal(await value(page, 'isVisible'), false);
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose']);

    // Escape from elsewhere in the panel (its close button) does the same.
    await page.keyboard.press('Enter');
    await waitFocused(w.composer);
    await w.closer.focus();
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
    assert.deepEqual(await openClose(page), ['onOpen', 'onClose', 'onOpen', 'onClose']);
  });
});

test('on a 390x844 phone the open panel fills the viewport, is modal, and Tab stays inside it', async () => {
  await withPage(env, { context: { viewport: { width: 390, height: 844 }, hasTouch: true } }, async (page) => {
    const w = widget(page);
    await w.launcher.click();
    await w.dialog.waitFor();
    await waitFocused(w.composer);
    const box = await w.dialog.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height].map(Math.round), [0, 0, 390, 844]);
    assert.equal(await w.dialog.getAttribute('aria-modal'), 'true');
    const fontSize = await w.composer.evaluate((el) => getComputedStyle(el).fontSize);
    assert.equal(fontSize, '16px', 'a smaller composer font makes iOS zoom the page');

    const insidePanel = () => page.evaluate(() => {
      const root = document.querySelector('kustomer-chat').shadowRoot;
      const active = root.activeElement;
      return document.activeElement === root.host && !!active && !!active.closest('[role="dialog"]');
    });
    const seen = new Set();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      assert.equal(await insidePanel(), true, `after ${i + 1} Tab(s) the focus left the modal panel`);
      seen.add(await page.evaluate(() => document.querySelector('kustomer-chat').shadowRoot.activeElement.outerHTML.slice(0, 60)));
    }
    assert.ok(seen.size >= 3, 'Tab cycles through the panel controls');
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Shift+Tab');
      assert.equal(await insidePanel(), true, `after ${i + 1} Shift+Tab(s) the focus left the modal panel`);
    }
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
  });
});

test('the conversation list works by keyboard: focus lands in it and stays there, Enter opens, Escape closes', async () => {
  await withPage(env, {}, async (page) => {
    const w = await chat(page, 'first topic');

    const list = page.getByRole('list', { name: 'Conversations' });
    await w.allConversations.focus();
    const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/conversations');
    await page.keyboard.press('Enter');
    await refreshed; // the list is drawn again from the service's answer
    await waitFocused(list.getByRole('button', { name: /first topic/ }));
    await page.keyboard.press('Tab');
    await waitFocused(w.newConversation);
    await page.keyboard.press('Enter');
    await waitFocused(w.composer);
    await w.log.getByText('Hi! How can we help?').waitFor();
    await page.keyboard.type('second topic');
    await page.keyboard.press('Enter');
    await w.message('second topic').getByText('Sent', { exact: true }).waitFor();

    await w.allConversations.focus();
    const again = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/conversations');
    await page.keyboard.press('Enter');
    await again;
    await waitFocused(list.getByRole('button', { name: /second topic/ })); // newest first
    await page.keyboard.press('Tab');
    await waitFocused(list.getByRole('button', { name: /first topic/ }));
    await page.keyboard.press('Enter');
    await w.message('first topic').waitFor();
    await waitFocused(w.composer);
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    await waitFocused(w.launcher);
  });
});

test('the panel fades in, except for a visitor who prefers reduced motion', async () => {
  for (const reducedMotion of ['no-preference', 'reduce']) {
    await withPage(env, { context: { reducedMotion } }, async (page) => {
      const w = widget(page);
      await w.launcher.waitFor();
      const animations = await page.evaluate(async () => {
        await KustomerChat.open();
        return document.querySelector('kustomer-chat').shadowRoot.getAnimations().length;
      });
      await w.dialog.waitFor();
      assert.equal(animations > 0, reducedMotion === 'no-preference', `${reducedMotion}: ${animations} animation(s) on open`);
    });
  }
});

// axe runs axe-core's WCAG 2.1 A and AA rules on the page; rules must have passed at
// least once inside the widget's shadow root, so that a scan that missed it fails.
async function axe(page, label, rules = ['button-name']) {
  // Mid-animation (the panel fades in), axe cannot tell colours apart and skips them.
  await page.waitForFunction(() => document.querySelector('kustomer-chat').shadowRoot.getAnimations().length === 0);
  const result = await runAxe(page);
  // A target inside a shadow root is a path through it: [['kustomer-chat', 'button']].
  const shadowChecked = result.passes.filter((p) => p.nodes.some((n) => n.target.some(Array.isArray))).map((p) => p.id);
  for (const rule of rules) {
    assert.ok(shadowChecked.includes(rule), `${label}: axe checked ${rule} inside the widget (it did: ${shadowChecked})`);
  }
  const found = axeFindings(result);
  assert.deepEqual(found, [], `axe-core, ${label}:\n  ${found.join('\n  ')}`);
  return result;
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds no WCAG 2.1 A/AA violation with the panel closed and open, ${colorScheme}`, async () => {
    // The host page is a minimal accessible page, so that what axe finds is the widget's.
    const site = { head: '<title>Shop</title>', body: '<main><h1>Shop</h1><p>Welcome.</p></main>' };
    await withPage(env, { site, context: { colorScheme } }, async (page) => {
      const w = widget(page);
      await w.launcher.waitFor();
      await axe(page, `${colorScheme}, closed`);

      await w.launcher.click();
      await w.dialog.waitFor();
      const background = await w.dialog.evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(background, colorScheme === 'dark' ? 'rgb(27, 30, 36)' : 'rgb(255, 255, 255)', 'the panel follows prefers-color-scheme');
      await axe(page, `${colorScheme}, open with the greeting`, ['button-name', 'color-contrast', 'label']);

      await w.composer.fill('Where is my order? Tracking: https://example.com/track?id=1');
      await page.keyboard.press('Enter');
      await w.message('Where is my order?').getByText('Sent', { exact: true }).waitFor();
      const [conversation] = await value(page, 'getConversations');
      await env.service.agentReply(conversation.id, 'It ships today, see https://example.com/faq', 'Dana');
      await w.message('It ships today').waitFor();
      await axe(page, `${colorScheme}, open with messages`, ['button-name', 'color-contrast', 'link-name']);

      // The badge on the launcher, and the conversation list.
      await page.keyboard.press('Escape');
      await env.service.agentReply(conversation.id, 'Anything else?', 'Dana');
      await w.unread(1).waitFor();
      await axe(page, `${colorScheme}, closed with an unread badge`);
      await w.launcher.click();
      await w.allConversations.click();
      await w.newConversation.waitFor();
      await axe(page, `${colorScheme}, the conversation list`, ['button-name', 'color-contrast', 'list']);
    });
  });
}
