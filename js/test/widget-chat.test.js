// Chatting in the panel: the composer's keys, each message stored once, agent replies
// while the panel is open, message text that stays text, and the conversation list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPanel, setUp, storedMessages, value, waitFocused, waitForPoll, withPage } from './harness.js';

const env = setUp();

const bodies = async (page) => (await storedMessages(env.service, page)).map((m) => [m.author, m.body]);

test('Enter sends, Shift+Enter makes a new line, and each message is stored once', async () => {
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    await page.keyboard.press('Enter'); // nothing to send
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    assert.equal(await w.composer.inputValue(), 'first line\nsecond line');
    assert.equal(await w.log.locator('.msg').count(), 0, 'Shift+Enter sent nothing');

    await page.keyboard.press('Enter');
    await w.message('first line').getByText('Sent', { exact: true }).waitFor();
    assert.equal(await w.composer.inputValue(), '');
    assert.equal(await w.message('first line').locator('.bubble').innerText(), 'first line\nsecond line');
    await waitFocused(w.composer); // the visitor keeps typing

    await w.composer.fill('and by the button');
    await w.send.click();
    await w.message('and by the button').getByText('Sent', { exact: true }).waitFor();

    assert.deepEqual(await bodies(page), [['customer', 'first line\nsecond line'], ['customer', 'and by the button']]);
    const { customerId } = await value(page, 'getIdentity');
    const mine = (await env.service.conversations()).filter((c) => c.customer.id === customerId);
    assert.equal(mine.length, 1, 'the first message started one conversation, the second went into it');

    // A reply comes by the same event poll that could echo the visitor's own
    // messages: once it is shown, the thread still has each message once.
    await env.service.agentReply(mine[0].id, 'noted');
    await w.message('noted').waitFor();
    assert.deepEqual(await w.log.locator('.msg .bubble').allInnerTexts(), ['first line\nsecond line', 'and by the button', 'noted']);
    assert.deepEqual(await bodies(page), [['customer', 'first line\nsecond line'], ['customer', 'and by the button'], ['agent', 'noted']]);
  });
});

test('an agent reply appears in the open panel within a second, with the agent name', async () => {
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    await page.keyboard.type('is anyone there?');
    await page.keyboard.press('Enter');
    await w.message('is anyone there?').getByText('Sent', { exact: true }).waitFor();
    const [conversation] = await value(page, 'getConversations');

    for (const text of ['Hi, I am Dana.', 'How can I help?']) {
      // Viewing marked the earlier reply read; that news has reached this page's poll.
      await page.waitForFunction(() => KustomerChat.getUnreadCount().then((n) => n === 0), null, { timeout: 2000, polling: 50 });
      await waitForPoll(page);
      const stored = Date.now();
      await env.service.agentReply(conversation.id, text, 'Dana');
      await w.message(text).waitFor({ timeout: Math.max(1, 1000 - (Date.now() - stored)) });
      assert.ok(Date.now() - stored < 1000, `shown ${Date.now() - stored} ms after the service stored it`);
    }
    assert.match(await w.message('How can I help?').locator('.meta').innerText(), /^Dana · /);
    assert.match(await w.message('is anyone there?').locator('.meta').innerText(), /^You · /);
    // Seen in the open panel: read.
    await page.waitForFunction(() => KustomerChat.getUnreadCount().then((n) => n === 0), null, { timeout: 2000, polling: 50 });
    await w.unread(0).waitFor();
  });
});

test('agent replies in quick succession each appear within a second', async () => {
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    await page.keyboard.type('a question');
    await page.keyboard.press('Enter');
    await w.message('a question').getByText('Sent', { exact: true }).waitFor();
    const [conversation] = await value(page, 'getConversations');
    await waitForPoll(page);
    // Each reply is stored as soon as the previous one is on screen (and so is being
    // marked read): no waiting for the page's poll in between.
    const late = [];
    for (const text of ['One moment.', 'Found it.', 'It ships today.']) {
      const stored = Date.now();
      await env.service.agentReply(conversation.id, text, 'Dana');
      await w.message(text).waitFor({ timeout: 5000 });
      if (Date.now() - stored >= 1000) late.push(`"${text}" after ${Date.now() - stored} ms`);
    }
    assert.deepEqual(late, [], 'replies shown a second or more after the service stored them');
  });
});

test('message text is text: HTML-looking messages create no element, http(s) links are safe links, other URLs are not', async () => {
  await withPage(env, {}, async (page) => {
    const w = await openPanel(page);
    const mine = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script>';
    await w.composer.fill(mine);
    await page.keyboard.press('Enter');
    await w.message('<b>bold</b>').getByText('Sent', { exact: true }).waitFor();
    const [conversation] = await value(page, 'getConversations');

    const theirs = '<a href="javascript:window.__pwned=3">click</a><iframe src="javascript:window.parent.__pwned=4"></iframe>';
    await env.service.agentReply(conversation.id, theirs);
    const links = 'Track it: https://example.com/track?id=7&x=1. Docs at http://example.org/help, '
      + 'not javascript:window.__pwned=5 nor data:text/html,<b>hi</b> nor ftp://example.net/file';
    await env.service.agentReply(conversation.id, links);
    await w.message('Track it').waitFor();

    assert.deepEqual(await w.log.locator('.bubble').allTextContents(), [mine, theirs, links]);
    const elements = await page.evaluate(() => [...document.querySelector('kustomer-chat').shadowRoot.querySelectorAll('[role="log"] .bubble *')]
      .map((el) => ({ tag: el.localName, href: el.getAttribute('href'), rel: el.getAttribute('rel'), target: el.getAttribute('target'), text: el.textContent })));
    assert.deepEqual(elements, [
      { tag: 'a', href: 'https://example.com/track?id=7&x=1', rel: 'noopener noreferrer', target: '_blank', text: 'https://example.com/track?id=7&x=1' },
      { tag: 'a', href: 'http://example.org/help', rel: 'noopener noreferrer', target: '_blank', text: 'http://example.org/help' },
    ]);
    await w.log.getByRole('link', { name: 'https://example.com/track?id=7&x=1' }).waitFor();
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, iframe, b').length), 0, 'nothing leaked into the host page either');
  });
});

test('a visitor with conversations sees the latest, can list them newest first, open one and start a new one', async () => {
  await withPage(env, {}, async (page) => {
    let w = await openPanel(page);
    await page.keyboard.type('about order one');
    await page.keyboard.press('Enter');
    await w.message('about order one').getByText('Sent', { exact: true }).waitFor();

    await w.allConversations.click();
    await w.log.waitFor({ state: 'hidden' });
    await page.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /about order one/ }).waitFor();
    await w.newConversation.click();
    await w.log.getByText('Hi! How can we help?').waitFor(); // the greeting of an empty thread
    assert.equal(await w.log.locator('.msg').count(), 0);
    await waitFocused(w.composer);
    await page.keyboard.type('about order two');
    await page.keyboard.press('Enter');
    await w.message('about order two').getByText('Sent', { exact: true }).waitFor();
    assert.equal(await w.log.getByText('Hi! How can we help?').count(), 0);

    const { customerId } = await value(page, 'getIdentity');
    const mine = (await env.service.conversations()).filter((c) => c.customer.id === customerId);
    assert.deepEqual(mine.map((c) => c.preview), ['about order two', 'about order one']);

    await w.allConversations.click();
    const list = page.getByRole('list', { name: 'Conversations' });
    await list.getByRole('button', { name: /about order two/ }).waitFor();
    assert.deepEqual(await list.locator('.preview').allInnerTexts(), ['about order two', 'about order one']);
    await list.getByRole('button', { name: /about order one/ }).click();
    await w.message('about order one').waitFor();
    assert.equal(await w.log.locator('.msg').count(), 1);
    await waitFocused(w.composer);

    // After a reload the panel opens on the conversation with the latest activity.
    await env.service.agentReply(mine[1].id, 'order one has shipped');
    await page.reload();
    w = await openPanel(page);
    await w.message('order one has shipped').waitFor();
    assert.deepEqual(await w.log.locator('.msg .bubble').allInnerTexts(), ['about order one', 'order one has shipped']);
  });
});
