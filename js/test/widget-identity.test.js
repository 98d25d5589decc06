// The widget and who the visitor is: the draft kept across closing and reloads, the
// customer's history after logIn, and nothing of them left after logOut.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, openPanel, send, setUp, shadowText, signToken, value, waitForPoll, widget, withPage } from './harness.js';

const env = setUp();

const storage = (page) => page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join('\n'));

test('the draft survives closing and reopening the panel and a reload, and goes once sent', async () => {
  await withPage(env, {}, async (page) => {
    let w = await openPanel(page);
    await page.keyboard.type('half a thought');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('and a second line');
    const draft = 'half a thought\nand a second line';
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });
    w = await openPanel(page);
    assert.equal(await w.composer.inputValue(), draft);

    await value(page, 'close');
    await page.reload();
    w = await openPanel(page);
    assert.equal(await w.composer.inputValue(), draft);

    await page.keyboard.press('Enter');
    await w.message('half a thought').getByText('Sent', { exact: true }).waitFor();
    assert.equal(await w.composer.inputValue(), '');
    await page.reload();
    w = await openPanel(page);
    await w.message('half a thought').waitFor();
    assert.equal(await w.composer.inputValue(), '', 'a sent message is no draft');
  });
});

test('after logIn the open panel shows the customer history, the anonymous chat included', async () => {
  const email = `history-${Date.now()}@example.com`;
  const token = await signToken({ email });
  await withPage(env, {}, async (laptop) => {
    await value(laptop, 'logIn', token);
    await openPanel(laptop);
    await send(laptop, 'asked on my laptop');
  });
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    await send(page, 'asked before signing in');
    await value(page, 'logIn', await signToken({ email }));
    // The thread on screen is the customer's latest: the one just moved onto them.
    await w.message('asked before signing in').waitFor();
    await w.allConversations.click();
    const list = page.getByRole('list', { name: 'Conversations' });
    await list.getByRole('button', { name: /asked on my laptop/ }).waitFor();
    assert.deepEqual(await list.locator('.preview').allInnerTexts(), ['asked before signing in', 'asked on my laptop']);
    await list.getByRole('button', { name: /asked on my laptop/ }).click();
    await w.message('asked on my laptop').waitFor();
  });
});

test('after logOut nothing of the customer is left in the widget DOM, in storage or in the composer', async () => {
  const email = `leaver-${Date.now()}@example.com`;
  const context = await env.browser.newContext();
  try {
    const page = await openPage(context, env.site.page(), { waitReady: false });
    await value(page, 'logIn', await signToken({ email, externalId: 'leaver-77' }));
    const w = await openPanel(page);
    await send(page, 'my order 4711 is late');
    const [conversation] = await value(page, 'getConversations');
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'Sorry about order 4711', 'Dana Agent');
    await w.message('Sorry about order 4711').waitFor();
    // The list drawn once (it stays in the DOM, hidden), then back in the thread with a draft.
    await w.allConversations.click();
    await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /4711/ }).click();
    await w.message('Sorry about order 4711').waitFor();
    await w.composer.fill('draft: ship it to 1 Main St');
    const secrets = ['4711', 'Main St', email, 'leaver-77', 'Dana Agent'];
    assert.ok((await shadowText(page)).includes('4711'));
    assert.ok((await storage(page)).includes(email) && (await storage(page)).includes('Main St'), 'the test would see them in storage');

    // A second tab of the same site, its panel open on the same thread.
    const other = await openPage(context, env.site.page(), { waitReady: false });
    const wo = await openPanel(other);
    await wo.message('Sorry about order 4711').waitFor();

    await value(page, 'logOut');
    for (const [tab, name] of [[page, 'this tab'], [other, 'the other tab']]) {
      await tab.waitForFunction((secrets) => {
        const text = document.querySelector('kustomer-chat').shadowRoot.textContent;
        return !secrets.some((s) => text.includes(s));
      }, secrets, { timeout: 2000, polling: 50 }).catch(async () => {
        assert.fail(`${name}: the widget still shows the customer: ${await shadowText(tab)}`);
      });
      assert.equal(await widget(tab).composer.inputValue(), '', `${name}: the composer is empty`);
      await widget(tab).log.getByText('Hi! How can we help?').waitFor();
      const stored = await storage(tab);
      for (const s of secrets) assert.ok(!stored.includes(s), `${name}: localStorage still holds ${s}:\n${stored}`);
    }
    assert.equal(await value(page, 'isLoggedIn', 'email', email), false);

    // And a reload finds nothing either.
    await page.reload();
    const wr = await openPanel(page);
    await wr.log.getByText('Hi! How can we help?').waitFor();
    assert.equal(await wr.composer.inputValue(), '');
    const text = await shadowText(page);
    for (const s of secrets) assert.ok(!text.includes(s), `after a reload the widget shows ${s}`);
  } finally {
    await context.close();
  }
});
