// The unread badge: in the launcher's accessible name after a reply while the panel is
// closed, cleared by viewing the thread, and following a markRead on another device.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chat, events, openPage, recordEvents, setUp, signToken, value, waitForPoll, widget, withPage } from './harness.js';

const env = setUp();

const serviceUnread = async (conversationId) => (await env.service.conversations()).find((c) => c.id === conversationId).unread;

test('a reply while the panel is closed shows in the launcher name; viewing the thread clears it', async () => {
  await withPage(env, {}, async (page) => {
    const w = await chat(page, 'where is my parcel?');
    const [conversation] = await value(page, 'getConversations');
    await page.keyboard.press('Escape');
    await w.dialog.waitFor({ state: 'hidden' });

    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'Let me check.');
    await w.unread(1).waitFor({ timeout: 1000 });
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'It is on its way.');
    await w.unread(2).waitFor({ timeout: 1000 });
    assert.equal(await w.launcher.locator('.badge').innerText(), '2', 'the badge shows the count too');
    assert.equal(await serviceUnread(conversation.id), 2, 'a closed panel marks nothing read');

    await w.launcher.click();
    await w.message('It is on its way.').waitFor();
    await w.unread(0).waitFor({ timeout: 2000 });
    assert.equal(await w.launcher.locator('.badge').isVisible(), false);
    assert.equal(await value(page, 'getUnreadCount'), 0);
    assert.equal(await serviceUnread(conversation.id), 0, 'viewing the thread marked it read at the service');

    // A reply that arrives while the thread is in view is read as it arrives.
    await waitForPoll(page);
    await env.service.agentReply(conversation.id, 'Anything else?');
    await w.message('Anything else?').waitFor({ timeout: 1000 });
    await page.waitForFunction(() => KustomerChat.getUnreadCount().then((n) => n === 0), null, { timeout: 2000, polling: 50 });
    assert.equal(await serviceUnread(conversation.id), 0);
    await w.closer.click();
    assert.equal(await w.unread(0).count(), 1, 'no badge for a reply already seen');
  });
});

test('a markRead on another device of the customer reaches onUnread and the badge within a second', async () => {
  const email = `two-devices-${Date.now()}@example.com`;
  const contextA = await env.browser.newContext();
  const contextB = await env.browser.newContext();
  try {
    const a = await openPage(contextA, env.site.page(), { waitReady: false });
    await value(a, 'logIn', await signToken({ email }));
    await recordEvents(a, ['onUnread']);
    const wa = await chat(a, 'hello from my laptop');
    const [conversation] = await value(a, 'getConversations');
    await a.keyboard.press('Escape');
    await waitForPoll(a);
    await env.service.agentReply(conversation.id, 'Hello! Any questions?');
    await wa.unread(1).waitFor({ timeout: 1000 });

    // The same customer on a phone: logging in shows the history, unread included.
    const b = await openPage(contextB, env.site.page(), { waitReady: false });
    await value(b, 'logIn', await signToken({ email }));
    const wb = widget(b);
    await wb.unread(1).waitFor({ timeout: 2000 });

    await waitForPoll(a);
    const marked = Date.now();
    await value(b, 'markRead', conversation.id);
    await a.waitForFunction(() => window.__events.some((e) => e.event === 'onUnread' && e.payload.total === 0), null, { timeout: 1000, polling: 20 });
    await wa.unread(0).waitFor({ timeout: Math.max(1, 1000 - (Date.now() - marked)) });
    assert.ok(Date.now() - marked < 1000, `the laptop learnt of the markRead after ${Date.now() - marked} ms`);
    const totals = (await events(a)).map((e) => e.payload.total);
    assert.deepEqual(totals.slice(totals.indexOf(1)), [1, 0], `onUnread totals: ${totals}`);

    // Another reply reaches both devices; viewing it on the phone clears the laptop's badge.
    await waitForPoll(a);
    await waitForPoll(b);
    await env.service.agentReply(conversation.id, 'Still there?');
    await wa.unread(1).waitFor({ timeout: 1000 });
    await wb.unread(1).waitFor({ timeout: 1000 });
    await wb.launcher.click();
    await wb.message('hello from my laptop').waitFor(); // the customer's history, sent from the laptop
    await wb.message('Still there?').waitFor();
    await wb.unread(0).waitFor({ timeout: 2000 });
    await wa.unread(0).waitFor({ timeout: 2000 });
  } finally {
    await contextA.close();
    await contextB.close();
  }
});
