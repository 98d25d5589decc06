// Delivery the visitor can trust: a message written while the service is unreachable
// is shown as not sent, with Retry and a reconnecting notice, and is stored exactly
// once when the service is back, also across a reload; a lost response stores once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, openPage, openPanel, setUp, storedMessages, value, widget, withPage } from './harness.js';

const env = setUp();

async function write(page, text) {
  await widget(page).composer.fill(text);
  await page.keyboard.press('Enter');
  return widget(page).message(text);
}

// delivered waits until a message of the thread no longer says it is unsent: "Sent"
// once the service stored it, or no state at all once drawn again from the history.
async function delivered(message, timeout = 15000) {
  await message.waitFor({ timeout });
  await eventually(async () => {
    const state = await message.locator('.state').innerText();
    assert.match(state.trim(), /^(Sent)?$/, `the message still says "${state}"`);
    assert.equal(await message.getByRole('button', { name: 'Retry' }).count(), 0);
  }, { timeout });
}

const bodies = async (page) => (await storedMessages(env.service, page)).map((m) => m.body);
const reconnecting = (w) => w.status.filter({ hasText: /reconnect|retrying/i });

// withOutage stops the service, runs fn, and starts it again whatever happens.
async function withOutage(fn) {
  await env.service.stop();
  try {
    return await fn();
  } finally {
    await env.service.start();
  }
}

test('a message sent while the service is down shows "Not sent" with Retry and a reconnecting notice, and is stored once when it is back', async () => {
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    await (await write(page, 'before the outage')).getByText('Sent', { exact: true }).waitFor();

    await withOutage(async () => {
      const during = await write(page, 'during the outage');
      await during.getByText('Not sent').waitFor({ timeout: 10000 });
      await during.getByRole('button', { name: 'Retry' }).waitFor();
      await reconnecting(w).waitFor({ timeout: 5000 });
      // The visitor keeps writing; Retry while it is still down loses nothing.
      const more = await write(page, 'and one more');
      await more.getByText('Not sent').waitFor({ timeout: 10000 });
      await during.getByRole('button', { name: 'Retry' }).click();
      await during.getByText('Not sent').waitFor({ timeout: 10000 });
      assert.deepEqual((await value(page, 'getPendingMessages')).map((p) => p.body), ['during the outage', 'and one more']);
    });

    // Back: Retry clicked, retryPending called and the SDK's own retry, all at once,
    // send each message once.
    await page.evaluate(() => {
      const retry = [...document.querySelector('kustomer-chat').shadowRoot.querySelectorAll('button')].filter((b) => b.textContent === 'Retry');
      retry.forEach((b) => b.click());
      return KustomerChat.retryPending();
    });
    await w.message('during the outage').getByText('Sent', { exact: true }).waitFor({ timeout: 10000 });
    await w.message('and one more').getByText('Sent', { exact: true }).waitFor({ timeout: 10000 });
    await reconnecting(w).waitFor({ state: 'hidden', timeout: 10000 });
    assert.deepEqual(await value(page, 'getPendingMessages'), []);
    assert.deepEqual(await bodies(page), ['before the outage', 'during the outage', 'and one more']);
    assert.deepEqual(await w.log.locator('.msg .bubble').allInnerTexts(), ['before the outage', 'during the outage', 'and one more']);
  });
});

test('a message pending across a reload while the service is down is shown as not sent and stored once when it is back', async () => {
  const context = await env.browser.newContext();
  try {
    const page = await openPage(context, env.site.page(), { waitReady: false });
    let w = await openPanel(page);
    await (await write(page, 'first, while up')).getByText('Sent', { exact: true }).waitFor();

    await withOutage(async () => {
      await (await write(page, 'written in the outage')).getByText('Not sent').waitFor({ timeout: 10000 });
      // The loader and the core come from the browser's cache; the service is still down.
      await page.reload();
      w = await openPanel(page);
      const pending = w.message('written in the outage');
      await pending.getByText('Not sent').waitFor({ timeout: 10000 });
      await pending.getByRole('button', { name: 'Retry' }).waitFor();
      await reconnecting(w).waitFor({ timeout: 5000 });
    });

    // Back: delivered by the SDK itself, without a click.
    await delivered(w.message('written in the outage'));
    await w.message('first, while up').waitFor();
    assert.deepEqual(await bodies(page), ['first, while up', 'written in the outage']);
    await page.reload();
    w = await openPanel(page);
    await w.message('written in the outage').waitFor();
    assert.deepEqual(await w.log.locator('.msg .bubble').allInnerTexts(), ['first, while up', 'written in the outage']);
    assert.deepEqual(await bodies(page), ['first, while up', 'written in the outage']);
  } finally {
    await context.close();
  }
});

test('the first message of a new visitor, written while the service is down, starts one conversation when it is back', async () => {
  const context = await env.browser.newContext();
  try {
    const page = await openPage(context, env.site.page(), { waitReady: false });
    // The pointer went over the launcher while the service was up: the core and the
    // panel are here, and no customer exists yet.
    const panelModule = page.waitForResponse((r) => r.url().includes('kustomer-chat-widget'));
    await widget(page).launcher.hover();
    await panelModule;
    await page.evaluate(() => KustomerChat.ready);
    const w = await withOutage(async () => {
      const w = await openPanel(page);
      await (await write(page, 'hello, anyone?')).getByText('Not sent').waitFor({ timeout: 10000 });
      await reconnecting(w).waitFor({ timeout: 5000 });
      return w;
    });
    await delivered(w.message('hello, anyone?'));
    const { customerId } = await value(page, 'getIdentity');
    assert.equal((await env.service.conversations()).filter((c) => c.customer.id === customerId).length, 1);
    assert.deepEqual(await bodies(page), ['hello, anyone?']);
    await (await write(page, 'second message')).getByText('Sent', { exact: true }).waitFor();
    assert.deepEqual(await bodies(page), ['hello, anyone?', 'second message']);
  } finally {
    await context.close();
  }
});

test('a send whose response is lost is sent again and stored once, for a new conversation and in one', async () => {
  const context = await env.browser.newContext();
  try {
    // The service gets the first attempt of each send and stores it; the browser never
    // sees the answer.
    const lost = new Set();
    await context.route((url) => /\/v1\/conversations(\/[^/]+\/messages)?$/.test(url.pathname), async (route) => {
      const key = new URL(route.request().url()).pathname;
      if (route.request().method() !== 'POST' || lost.has(key)) return route.continue();
      lost.add(key);
      await route.fetch();
      await route.abort('connectionreset');
    });
    const page = await openPage(context, env.site.page(), { waitReady: false });
    const w = await openPanel(page);
    await (await write(page, 'first words')).getByText('Sent', { exact: true }).waitFor({ timeout: 10000 });
    await (await write(page, 'second words')).getByText('Sent', { exact: true }).waitFor({ timeout: 10000 });
    assert.equal(lost.size, 2, 'both sends lost their first answer');
    const { customerId } = await value(page, 'getIdentity');
    assert.equal((await env.service.conversations()).filter((c) => c.customer.id === customerId).length, 1);
    assert.deepEqual(await bodies(page), ['first words', 'second words']);
    assert.deepEqual(await w.log.locator('.msg .bubble').allInnerTexts(), ['first words', 'second words']);
  } finally {
    await context.close();
  }
});
