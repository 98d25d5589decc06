// The agent inbox end to end: the operator's command makes an agent, who signs in
// at /agent/ and answers visitors of a site on another origin in real time; what a
// page of another origin cannot do with the agent's cookies; what the API gives
// without a session; text that stays text; close / reopen, search, export, erase.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import {
  UNLIMITED, chat, eventually, events, inbox, recordEvents, send, setUp, signToken, waitFocused, waitForPoll, withInbox, withPage,
} from './harness.js';

const AGENT = { email: 'maya@inbox.test', name: 'Maya Lind', password: 'correct horse battery staple' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Limits off: one test makes a hundred customers from this one address.
const env = setUp({ service: { args: UNLIMITED }, prepare: (env) => env.service.addAgent(AGENT) });

const inboxURL = () => `${env.service.url}/agent/`;
const storedBodies = async (conversationId) => {
  const r = await env.service.agentApi('GET', `/conversations/${conversationId}/messages`);
  assert.equal(r.status, 200);
  return r.body.messages.map((m) => m.body);
};
const isReply = (r) => r.request().method() === 'POST' && /^\/agent\/api\/conversations\/[^/]+\/messages$/.test(new URL(r.url()).pathname);

test('the operator adds an agent, who signs in (a wrong password first), sees a visitor\'s chat within a second, opens it and replies; the visitor gets the reply with the agent\'s name within a second', async () => {
  await withPage(env, {}, async (visitor) => {
    await chat(visitor, 'Do you ship to Norway?');
    await recordEvents(visitor, ['onMessageReceived']);

    await withPage(env, { url: inboxURL() }, async (page, context) => {
      const ui = inbox(page);
      await waitFocused(ui.email);
      await ui.email.fill(AGENT.email);
      await ui.password.fill('not the password');
      await ui.signIn.click();
      await ui.signInError.getByText('Wrong email or password.').waitFor();
      assert.equal(await ui.signInError.getAttribute('role'), 'alert', 'the error is announced');
      await waitFocused(ui.password);
      assert.deepEqual((await context.cookies()).map((c) => c.name), [], 'a wrong password sets no cookie');
      assert.equal(await ui.heading.count(), 0);

      await ui.password.fill(AGENT.password);
      await page.keyboard.press('Enter');
      await ui.heading.waitFor();
      const shown = Date.now();
      await ui.row('Do you ship to Norway?').waitFor({ timeout: 1000 });
      assert.ok(Date.now() - shown < 1000, 'the conversation is listed within a second');
      await page.getByText('Signed in as Maya Lind').waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === 'kustomer_chat_agent');
      assert.ok(cookie, 'signed in: the session cookie');
      assert.deepEqual([cookie.httpOnly, cookie.sameSite, cookie.path], [true, 'Strict', '/agent']);
      assert.match(await ui.row('Do you ship to Norway?').textContent(), /Anonymous visitor/);

      await ui.row('Do you ship to Norway?').click();
      await ui.message('Do you ship to Norway?').waitFor();
      assert.equal(await page.getByRole('heading', { level: 2, name: 'Anonymous visitor' }).textContent(), 'Anonymous visitor');
      assert.match(await ui.message('Do you ship to Norway?').locator('.meta').innerText(), /^Anonymous visitor · /);

      await waitForPoll(visitor);
      await ui.reply.fill('Yes, in 3 to 5 days.');
      const posted = page.waitForResponse(isReply);
      await ui.reply.press('Enter');
      const response = await posted;
      const stored = Date.now();
      assert.equal(response.status(), 201);
      const sent = JSON.parse(response.request().postData());
      assert.match(sent.id, UUID, 'the page names its reply');
      assert.deepEqual(Object.keys(sent).sort(), ['body', 'id'], 'the page sends no authorName: the service sets it');
      await eventually(async () => {
        const got = (await events(visitor)).find((e) => e.event === 'onMessageReceived' && e.payload.body === 'Yes, in 3 to 5 days.');
        assert.ok(got, 'the visitor got the reply');
        assert.equal(got.payload.authorName, 'Maya Lind');
      }, { timeout: Math.max(1, 1000 - (Date.now() - stored)) });
      assert.ok(Date.now() - stored < 1000, `the reply reached the visitor ${Date.now() - stored} ms after it was stored`);
      assert.match(await ui.message('Yes, in 3 to 5 days.').locator('.meta').innerText(), /^Maya Lind · /);
      assert.equal(await ui.message('Yes, in 3 to 5 days.').count(), 1);
    });
  });
});

test('Enter sends, Shift+Enter makes a new line; a reply whose answer was lost is retried under its id and stored once', async () => {
  const { conversationId } = await env.service.visitor('composer keys');
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await ui.row('composer keys').click();
    await ui.message('composer keys').waitFor();
    await ui.reply.click();
    await page.keyboard.press('Enter'); // nothing to send
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    assert.equal(await ui.reply.inputValue(), 'first line\nsecond line');
    const posted = page.waitForResponse(isReply);
    await page.keyboard.press('Enter');
    assert.equal((await posted).status(), 201);
    assert.equal(await ui.reply.inputValue(), '');
    await waitFocused(ui.reply);

    // The service stores the next reply, but its answer never reaches the page.
    let lost = 0;
    await page.route(/\/agent\/api\/conversations\/[^/]+\/messages$/, async (route) => {
      if (route.request().method() !== 'POST' || lost++) return route.fallback();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.keyboard.type('sent twice, stored once');
    await page.keyboard.press('Enter');
    const failed = ui.message('sent twice, stored once');
    await failed.getByText(/Not sent/).waitFor();
    const repeat = page.waitForResponse(isReply);
    await failed.getByRole('button', { name: 'Retry' }).click();
    const again = await repeat;
    assert.equal(again.status(), 200, 'the service knew the id: a repeat');
    await failed.getByText(/Not sent/).waitFor({ state: 'detached' });
    assert.deepEqual(await storedBodies(conversationId), ['composer keys', 'first line\nsecond line', 'sent twice, stored once']);
  });
});

test('a second visitor\'s new conversation, and a new message in the open one, appear in the open inbox without a reload, within a second', async () => {
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await page.evaluate(() => { window.__sameDocument = true; });
    await waitForPoll(page);
    await withPage(env, {}, async (visitor) => {
      await chat(visitor, 'A second visitor writes');
      const sent = Date.now();
      await ui.row('A second visitor writes').waitFor({ timeout: 1000 });
      assert.ok(Date.now() - sent < 1000, `listed ${Date.now() - sent} ms after it was stored`);
      assert.match(await ui.row('A second visitor writes').textContent(), /1 unread/);
      await eventually(async () => assert.match(await ui.announcer.textContent(), /New conversation from Anonymous visitor/));

      await ui.row('A second visitor writes').click();
      await ui.message('A second visitor writes').waitFor();
      // Opening it read it: the agent-side count is gone, at the service too.
      await eventually(async () => assert.doesNotMatch(await ui.row('A second visitor writes').textContent(), /unread/));
      const [conversation] = await visitor.evaluate(() => KustomerChat.getConversations());
      await eventually(async () => {
        const r = await env.service.agentApi('GET', `/conversations/${conversation.id}`);
        assert.equal(r.body.conversation.agentUnread, 0);
      });

      await waitForPoll(page);
      await send(visitor, 'and one more thing');
      const again = Date.now();
      await ui.message('and one more thing').waitFor({ timeout: 1000 });
      assert.ok(Date.now() - again < 1000);
      assert.equal(await ui.message('and one more thing').count(), 1, 'shown once');
      await eventually(async () => assert.match(await ui.announcer.textContent(), /New message in this conversation/));
    });
    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
  });
});

test('a reply replayed from a page of another origin with the agent\'s cookies (form posts, text/plain, JSON) is refused and stores nothing', async () => {
  const { conversationId } = await env.service.visitor('forgery target');
  await withInbox(env, AGENT, {}, async (ui, page, context) => {
    const target = `${env.service.url}/agent/api/conversations/${conversationId}/messages`;
    const forger = await context.newPage();
    const seen = [];
    forger.on('request', (r) => { if (r.url() === target) seen.push(r); });
    const site = env.site.page({ loader: false, body: '<h1>Another site</h1>' });
    for (const enctype of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data']) {
      await forger.goto(site);
      const answer = forger.waitForResponse((r) => r.url() === target);
      await forger.evaluate(([target, enctype]) => {
        const form = document.createElement('form');
        form.method = 'post';
        form.action = target;
        form.enctype = enctype;
        const field = document.createElement('input');
        field.name = '{"body":"forged by a form","x":"'; // text/plain makes it {"body":...,"x":"="}
        field.value = '"}';
        form.append(field);
        document.body.append(form);
        form.submit();
      }, [target, enctype]);
      const r = await answer;
      await forger.waitForURL(target);
      assert.equal(r.status(), 403, `a ${enctype} form post`);
      assert.match((await r.request().allHeaders()).cookie || '', /kustomer_chat_agent=/, 'the browser sent the agent\'s cookie');
    }

    await forger.goto(site);
    const outcomes = await forger.evaluate(async (target) => {
      const out = [];
      for (const [type, mode] of [['text/plain', 'no-cors'], ['application/json', 'cors']]) {
        try {
          const r = await fetch(target, { method: 'POST', mode, credentials: 'include', headers: { 'Content-Type': type }, body: JSON.stringify({ body: `forged by fetch ${type}` }) });
          out.push(`${type}: ${r.type} ${r.status}`);
        } catch {
          out.push(`${type}: refused`);
        }
      }
      return out;
    }, target);
    assert.deepEqual(outcomes, ['text/plain: opaque 0', 'application/json: refused']);
    // Every forged request that reached the service was answered 403.
    const statuses = await Promise.all(seen.filter((r) => r.method() === 'POST').map(async (r) => (await r.response())?.status() ?? 'none'));
    assert.ok(statuses.length >= 3);
    assert.ok(statuses.every((s) => s === 403 || s === 'none'), `forged posts answered ${statuses}`);

    assert.deepEqual(await storedBodies(conversationId), ['forgery target'], 'nothing stored');
    // The inbox itself, same origin, still replies.
    await ui.row('forgery target').click();
    await ui.reply.fill('the real reply');
    const posted = page.waitForResponse(isReply);
    await ui.reply.press('Enter');
    assert.equal((await posted).status(), 201);
    assert.deepEqual(await storedBodies(conversationId), ['forgery target', 'the real reply']);
  });
});

test('/agent/api data requests without a session (none, made up, signed out) answer 401 and no data', async () => {
  const { conversationId, customerId } = await env.service.visitor('secret customer text');
  const reads = ['/me', '/conversations', '/conversations?status=all', `/conversations/${conversationId}`,
    `/conversations/${conversationId}/messages`, '/customers?q=a', `/customers/${customerId}`,
    `/customers/${customerId}/conversations`, `/customers/${customerId}/export`, '/events', '/events?after=0&wait=0'];
  const writes = [['POST', `/conversations/${conversationId}/messages`, { body: 'no session' }], ['POST', `/conversations/${conversationId}/read`],
    ['POST', `/conversations/${conversationId}/close`], ['DELETE', `/customers/${customerId}`]];
  const refused = async (cookie) => {
    for (const [method, path, body] of [...reads.map((p) => ['GET', p]), ...writes]) {
      const r = await fetch(`${env.service.url}/agent/api${path}`, {
        method,
        headers: { ...(cookie ? { Cookie: cookie } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await r.text();
      assert.equal(r.status, 401, `${method} ${path} (${cookie || 'no cookie'}): ${text}`);
      assert.deepEqual(Object.keys(JSON.parse(text)), ['error'], `${method} ${path}`);
      assert.equal(JSON.parse(text).error.code, 'UNAUTHORIZED');
      assert.doesNotMatch(text, /secret customer text/);
    }
  };
  await refused(null);
  await refused('kustomer_chat_agent=' + Buffer.alloc(32, 7).toString('base64url'));

  // Signing out ends the session at the service: its cookie, kept, opens nothing.
  let kept;
  await withInbox(env, AGENT, {}, async (ui, page, context) => {
    kept = (await context.cookies()).find((c) => c.name === 'kustomer_chat_agent');
    await ui.signOut.click();
    await ui.signIn.waitFor();
    await waitFocused(ui.password); // the email stays filled in
    assert.equal((await context.cookies()).some((c) => c.name === 'kustomer_chat_agent'), false, 'the cookie is cleared');
    assert.equal(await ui.conversations.getByRole('button').count(), 0, 'nothing of the inbox is left on the page');
    await page.reload();
    await ui.signIn.waitFor();
  });
  await refused(`kustomer_chat_agent=${kept.value}`);
  assert.deepEqual(await storedBodies(conversationId), ['secret customer text']);
  const r = await env.service.agentApi('GET', `/conversations/${conversationId}`);
  assert.equal(r.body.conversation.status, 'open');
});

test('a visitor message with HTML is shown as text; its http(s) links are safe links', async () => {
  const text = '<img src=x onerror="window.__pwned=1"><b>bold</b><script>window.__pwned=2</script> see https://example.com/track?id=1.';
  await env.service.visitor(text);
  await withInbox(env, AGENT, {}, async (ui, page) => {
    const row = ui.row('<b>bold</b>');
    await row.waitFor();
    await row.click();
    const message = ui.message('<b>bold</b>');
    await message.waitFor();
    assert.equal(await message.locator('.body').textContent(), text);
    assert.equal(await page.locator('#conversations img, #conversations b, #conversations script, #log img, #log b, #log script').count(), 0);
    const link = message.getByRole('link', { name: 'https://example.com/track?id=1' });
    assert.deepEqual([await link.getAttribute('href'), await link.getAttribute('target'), await link.getAttribute('rel')],
      ['https://example.com/track?id=1', '_blank', 'noopener noreferrer']);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });
});

test('closing a conversation moves it to Closed, reopening brings it back to Open, at the service too', async () => {
  const { conversationId } = await env.service.visitor('please close me');
  const status = async () => (await env.service.agentApi('GET', `/conversations/${conversationId}`)).body.conversation.status;
  await withInbox(env, AGENT, {}, async (ui) => {
    await ui.row('please close me').click();
    await ui.message('please close me').waitFor();
    await ui.close.click();
    await eventually(async () => assert.equal(await ui.status.textContent(), 'Closed'));
    await waitFocused(ui.reopen);
    await ui.row('please close me').waitFor({ state: 'detached' }); // the list shows Open ones
    assert.equal(await status(), 'closed');

    await ui.filter('Closed').check();
    await ui.row('please close me').waitFor();
    await ui.filter('All').check();
    await ui.row('please close me').waitFor();
    assert.match(await ui.row('please close me').textContent(), /Closed/);

    await ui.reopen.click();
    await eventually(async () => assert.equal(await ui.status.textContent(), 'Open'));
    await waitFocused(ui.close);
    assert.equal(await status(), 'open');
    await ui.filter('Open').check();
    await ui.row('please close me').waitFor();
  });
});

test('search finds a customer by part of the email; picking them lists their conversations', async () => {
  const email = 'searchable.customer@example.org';
  await env.service.visitor('found by search', { jwt: await signToken({ email, externalId: 'crm-4711' }) });
  await env.service.visitor('someone else');
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await ui.search.fill('SEARCHABLE.cust');
    await ui.search.press('Enter');
    const result = ui.customers.getByRole('button', { name: new RegExp(email.replace(/\./g, '\\.')) });
    await result.waitFor();
    assert.equal(await ui.customers.getByRole('button').count(), 1);
    assert.match(await result.textContent(), /\(verified\)/);
    await eventually(async () => assert.match(await ui.announcer.textContent(), /1 customer found/));

    await result.click();
    await page.getByText(`Of ${email}`, { exact: true }).waitFor();
    await ui.row('someone else').waitFor({ state: 'detached' });
    await ui.row('found by search').waitFor();
    assert.match(await ui.row('found by search').textContent(), new RegExp(`${email.replace(/\./g, '\\.')} \\(verified\\)`));
    assert.equal(await ui.conversations.getByRole('button').count(), 1);

    // By externalId too.
    await ui.search.fill('crm-47');
    await ui.search.press('Enter');
    await ui.customers.getByRole('button', { name: new RegExp(email.replace(/\./g, '\\.')) }).waitFor();

    await page.getByRole('button', { name: 'Show every customer\'s' }).click();
    await ui.row('someone else').waitFor();
  });
});

test('export downloads one JSON document of the customer with their messages', async () => {
  const email = 'exported@example.org';
  const { customerId, conversationId } = await env.service.visitor('export me, please', { jwt: await signToken({ email }) });
  await env.service.agentReply(conversationId, 'Here is your data.', 'Maya Lind');
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await ui.row('Here is your data.').click();
    await ui.customer.getByText(email).waitFor();
    const downloading = page.waitForEvent('download');
    await ui.exportData.click();
    const file = await downloading;
    assert.equal(file.suggestedFilename(), `customer-${customerId}.json`);
    const doc = JSON.parse(await readFile(await file.path(), 'utf8'));
    assert.equal(doc.customer.id, customerId);
    assert.equal(doc.customer.email, email);
    assert.deepEqual(doc.conversations.map((c) => c.id), [conversationId]);
    assert.deepEqual(doc.conversations[0].messages.map((m) => [m.author, m.body]), [['customer', 'export me, please'], ['agent', 'Here is your data.']]);
  });
});

test('erase, after a confirmation that says what goes, removes the customer: the conversation leaves the list and the service has none of it', async () => {
  const email = 'erase.me@example.org';
  const { customerId, conversationId } = await env.service.visitor('forget me', { jwt: await signToken({ email }) });
  await withInbox(env, AGENT, {}, async (ui) => {
    await ui.row('forget me').click();
    await ui.customer.getByText(email).waitFor();

    await ui.erase.click();
    await ui.eraseDialog.waitFor();
    assert.match(await ui.eraseDialog.textContent(), new RegExp(`${email.replace(/\./g, '\\.')}.*1 conversation.*messages.*devices.*sessions.*cannot be undone`, 's'));
    await waitFocused(ui.eraseDialog.getByRole('button', { name: 'Cancel' }));
    await ui.eraseDialog.getByRole('button', { name: 'Cancel' }).click();
    await ui.eraseDialog.waitFor({ state: 'hidden' });
    await waitFocused(ui.erase);
    assert.equal((await env.service.agentApi('GET', `/customers/${customerId}`)).status, 200, 'cancelled: still there');

    await ui.erase.click();
    await ui.eraseDialog.getByRole('button', { name: 'Erase customer' }).click();
    await ui.row('forget me').waitFor({ state: 'detached' });
    await ui.log.waitFor({ state: 'hidden' });
    await eventually(async () => assert.match(await ui.announcer.textContent(), /erase\.me@example\.org was erased/));
    assert.equal((await env.service.agentApi('GET', `/customers/${customerId}`)).status, 404);
    assert.equal((await env.service.agentApi('GET', `/conversations/${conversationId}`)).status, 404);
  });
});

test('a long conversation shows its latest messages first and the earlier ones on demand; a long list pages by "Load more"', async () => {
  const { conversationId } = await env.service.visitor('the very first message');
  for (let i = 1; i <= 120; i++) await env.service.agentReply(conversationId, `reply number ${i}`, 'Maya Lind');
  // More than one page of conversations (100) in Open.
  for (let i = 0; i < 101; i++) await env.service.visitor(`filler ${i}`);
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await ui.more.waitFor();
    assert.equal(await ui.conversations.getByRole('button').count(), 100);
    await ui.row('filler 100').waitFor(); // newest first
    await ui.more.click();
    await ui.row('reply number 120').waitFor();
    await waitFocused(ui.conversations.getByRole('button').nth(100));

    const reads = []; // the query of each read of this conversation's messages
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (r.method() === 'GET' && url.pathname === `/agent/api/conversations/${conversationId}/messages`) reads.push(url.searchParams);
    });
    const bodies = () => ui.log.locator('.msg .body').allInnerTexts();
    const replies = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => `reply number ${from + i}`);

    await ui.row('reply number 120').click();
    await ui.message('reply number 120').waitFor();
    await eventually(async () => assert.equal(await ui.log.getAttribute('aria-busy'), null));
    assert.equal(reads.length, 1, 'opening it read one page of messages');
    assert.deepEqual([reads[0].get('order'), reads[0].get('cursor')], ['newest', null]);
    assert.deepEqual(await bodies(), replies(21, 120), 'the latest 100, oldest at the top');

    // The reader at the top: what they see stays where it is as the earlier page comes in.
    const offset = () => ui.message('reply number 21').evaluate((el) => el.getBoundingClientRect().top - el.parentElement.getBoundingClientRect().top);
    await ui.log.evaluate((log) => { log.scrollTop = 0; });
    const before = await offset();
    await ui.earlier.click();
    await ui.message('the very first message').waitFor();
    assert.equal(reads.length, 2, '"Load earlier messages" read one more page');
    assert.equal(reads[1].get('order'), 'newest');
    assert.ok(reads[1].get('cursor'), 'the next page back, by its cursor');
    assert.deepEqual(await bodies(), ['the very first message', ...replies(1, 120)]);
    const after = await offset();
    assert.ok(Math.abs(after - before) <= 1, `reply number 21 moved from ${before} to ${after}`);
    assert.equal(await ui.earlier.count(), 0, 'all shown: no more button');
    await eventually(async () => assert.match(await ui.announcer.textContent(), /21 earlier messages shown/));
    assert.equal(reads.length, 2);
  });
});

test('a message that comes live while a conversation opens is shown once: the newest page and the live feed both carry it', async () => {
  const { conversationId } = await env.service.visitor('opening slowly');
  await withInbox(env, AGENT, {}, async (ui, page) => {
    await ui.row('opening slowly').waitFor();
    await waitForPoll(page);
    let release;
    const held = new Promise((resolve) => { release = resolve; });
    let asked;
    const reading = new Promise((resolve) => { asked = resolve; });
    // The page's read reaches the service only after the live message is stored.
    await page.route((url) => url.pathname === `/agent/api/conversations/${conversationId}/messages`, async (route) => {
      asked();
      await held;
      await route.continue();
    });
    await ui.row('opening slowly').click();
    await reading;
    const live = page.waitForResponse(async (r) => new URL(r.url()).pathname === '/agent/api/events' &&
      (await r.text()).includes('arrived while it opened'));
    await env.service.agentReply(conversationId, 'arrived while it opened', 'Maya Lind');
    await live;
    release();
    await ui.message('arrived while it opened').waitFor();
    await waitForPoll(page);
    assert.deepEqual(await ui.log.locator('.msg .body').allInnerTexts(), ['opening slowly', 'arrived while it opened']);
  });
});

test('an agent the operator disables is back at the sign-in form, told why, at the next thing the inbox asks for; their search is gone', async () => {
  const agent = { email: 'leaving@inbox.test', name: 'Lee Leaving', password: 'another long password' };
  await env.service.addAgent(agent);
  await env.service.visitor('seen before the disable');
  await withInbox(env, agent, {}, async (ui, page) => {
    await ui.search.fill('nobody-at-all');
    await ui.search.press('Enter');
    await ui.customers.getByText('No customer matches.').waitFor();
    await ui.row('seen before the disable').waitFor();
    await env.service.agentCommand('disable', ['--email', agent.email]);
    await ui.row('seen before the disable').click();
    await page.getByText('Your session has ended. Sign in again.').waitFor();
    await waitFocused(ui.password);
    assert.equal(await ui.heading.count(), 0);
    assert.equal(await page.locator('#conversations li, #customers li, #log .msg').count(), 0, 'nothing of the session is left in the page');
    assert.equal(await page.locator('#search').inputValue(), '', 'the hidden search box is empty too');
  });
});
