// Beyond one machine (SPEC, "The chat service"): service instances on one PostgreSQL
// and one NATS, as behind a load balancer, each serving its own pages.
import assert from 'node:assert/strict';
import { AGENT_KEY, API_KEY, UNLIMITED, openPage, setUpScaleOut, signToken, value, waitForPoll } from './harness.js';

// The limits are per instance and per client address, and every request here comes
// from 127.0.0.1: they would refuse the racing logins and the message stream.
const env = setUpScaleOut({ instances: 2, service: { args: UNLIMITED } });

// Each test's customers are its own on the database the file's tests share.
const unique = (what) => `${what}-${crypto.randomUUID().slice(0, 8)}`;

// device opens a page of sites[i] (its SDK talks to instance i) in a context of its
// own, closed when test t ends: another device, with its own storage.
async function device(t, i) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  return openPage(context, env.sites[i].page());
}

// heard makes the page keep each onMessageReceived with the page's clock at the call,
// in window.__heard.
const heard = (page) => page.evaluate(() => {
  window.__heard = [];
  KustomerChat.addListener('onMessageReceived', (m) => window.__heard.push({ at: Date.now(), id: m.id, body: m.body, author: m.author }));
});

// sendTimed sends text through the page and returns the message, when the call began
// and when it resolved (the service acknowledged it), on the page's clock: every page
// of one browser shares the machine's.
const sendTimed = (page, conversationId, text) => page.evaluate(async ([id, text]) => {
  const at = Date.now();
  const message = await KustomerChat.sendMessage(id, text);
  return { at, acked: Date.now(), message };
}, [conversationId, text]);

// heardWithin waits at most ms for message id at the page's onMessageReceived and
// returns every message heard.
const heardWithin = async (page, id, ms, what) => {
  await page.waitForFunction((id) => window.__heard.some((m) => m.id === id), id, { timeout: ms, polling: 10 })
    .catch(() => assert.fail(`${what}: no onMessageReceived within ${ms} ms`));
  return page.evaluate(() => window.__heard);
};

env.test('a customer on a page of each instance shares history, and a message sent through one reaches the other within a second', async (t) => {
  const email = `${unique('traveller')}@example.com`;
  const one = await device(t, 0);
  const two = await device(t, 1);
  const first = await value(one, 'logIn', await signToken({ email }));
  const conversation = await value(one, 'createConversation', { message: 'written through instance 1' });
  const second = await value(two, 'logIn', await signToken({ email }));
  assert.equal(second.customerId, first.customerId);
  assert.deepEqual((await value(two, 'getConversations')).map((c) => c.id), [conversation.id]);
  assert.deepEqual((await value(two, 'getMessages', conversation.id)).map((m) => m.body), ['written through instance 1']);

  await heard(one);
  await heard(two);
  const figures = [];
  // Each way: the sender's instance stores it, NATS wakes the other instance's held
  // poll, which reads it from PostgreSQL; without the wake-up it answers after 25 s.
  for (const [from, to, text] of [[one, two, 'sent through instance 1'], [two, one, 'sent through instance 2']]) {
    await waitForPoll(to);
    const { at, acked, message } = await sendTimed(from, conversation.id, text);
    const got = await heardWithin(to, message.id, 1000, text);
    const delivery = got.find((m) => m.id === message.id).at - at;
    figures.push(`${delivery} (${delivery - (acked - at)} after the acknowledgement)`);
    assert.ok(delivery < 1000, `${text}: onMessageReceived ${delivery} ms after sendMessage`);
    assert.deepEqual(got.filter((m) => m.id === message.id).map((m) => [m.body, m.author]), [[text, 'customer']]);
  }
  // An agent's reply stored through instance 2 reaches the page served by instance 1.
  await waitForPoll(one);
  const at = Date.now();
  const reply = await env.services[1].agentApi('POST', `/conversations/${conversation.id}/messages`, { body: 'an agent, through instance 2' });
  assert.equal(reply.status, 201);
  const got = await heardWithin(one, reply.body.message.id, 1000, 'the agent reply');
  const delivery = got.find((m) => m.id === reply.body.message.id).at - at;
  figures.push(delivery);
  assert.ok(delivery < 1000, `agent reply: onMessageReceived ${delivery} ms after the POST began`);

  const history = ['written through instance 1', 'sent through instance 1', 'sent through instance 2', 'an agent, through instance 2'];
  for (const d of [one, two]) {
    assert.deepEqual((await value(d, 'getMessages', conversation.id)).map((m) => m.body), history);
  }
  t.diagnostic(`cross-instance delivery, ms from the call: 1→2 ${figures[0]}, 2→1 ${figures[1]}, agent reply 2→1 ${figures[2]}`);
});

// login is the SDK's login request, made from Node as many devices at once would.
async function login(service, jwt) {
  const r = await fetch(`${service.url}/v1/identities/login`, {
    method: 'POST',
    headers: { 'X-Kustomer-Api-Key': API_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ jwt, trackingId: crypto.randomUUID() }),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

// A race is lost or won by chance: each test runs several, a new customer each.
for (const claim of ['email', 'externalId']) {
  env.test(`racing logins of one new customer (by ${claim}) across both instances make exactly one customer`, async () => {
    for (let round = 0; round < 3; round++) {
      const id = claim === 'email' ? `${unique('racer')}@example.com` : unique('racer');
      const jwt = await signToken({ [claim]: id });
      const logins = await Promise.all(Array.from({ length: 40 }, (_, i) => login(env.services[i % 2], jwt)));
      const failed = logins.filter((r) => r.status !== 200);
      assert.equal(failed.length, 0, `${failed.length} of ${logins.length} logins failed, one with HTTP ${failed[0]?.status} ${JSON.stringify(failed[0]?.body)}`);
      const ids = new Set(logins.map((r) => r.body.identity.customerId));
      assert.equal(ids.size, 1, `the logins made ${ids.size} customers`);
      for (const service of env.services) {
        const found = await service.agentApi('GET', `/customers?q=${encodeURIComponent(id)}`);
        assert.equal(found.status, 200);
        assert.deepEqual(found.body.customers.map((c) => [c.id, c[claim]]), [[[...ids][0], id]]);
      }
    }
  });
}

// stream sends messages until a request fails, by the customer's API or the agent's,
// and records the id of every message whose POST was answered 2xx.
async function stream(send, acked) {
  for (let n = 0; ; n++) {
    const id = crypto.randomUUID();
    let r;
    try {
      r = await send(id, n);
    } catch {
      return; // the instance is gone: this message may or may not be stored
    }
    if (r.status === 200 || r.status === 201) acked.add(id);
    else assert.fail(`HTTP ${r.status} before the kill: ${await r.text()}`);
  }
}

env.test('an instance killed with SIGKILL mid-traffic loses no acknowledged message: the other serves every one', async (t) => {
  const victim = await env.startInstance();
  const email = `${unique('crash')}@example.com`;
  const { conversationId, session } = await victim.visitor('before the crash', { jwt: await signToken({ email }) });
  const acked = new Set();
  const post = (path, headers, body) => fetch(`${victim.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const customer = { 'X-Kustomer-Api-Key': API_KEY, Authorization: `Bearer ${session}` };
  const agent = { Authorization: `Bearer ${AGENT_KEY}` };
  const streams = [
    ...Array.from({ length: 3 }, (_, s) => stream((id, n) => post(`/v1/conversations/${conversationId}/messages`, customer, { id, body: `customer ${s}.${n}` }), acked)),
    stream((id, n) => post(`/v1/agent/conversations/${conversationId}/messages`, agent, { id, body: `agent ${n}` }), acked),
  ];
  const all = Promise.all(streams); // a stream's failure ends the wait with its cause
  const start = Date.now();
  while (acked.size < 80) {
    assert.ok(Date.now() - start < 10000, `only ${acked.size} messages acknowledged in 10 s`);
    await Promise.race([all, new Promise((r) => setTimeout(r, 5))]);
  }
  await victim.kill();
  await all;
  assert.ok(acked.size >= 80);

  // The same customer on a page served by the surviving instance reads the thread.
  const page = await device(t, 1);
  await value(page, 'logIn', await signToken({ email }));
  const served = new Set((await value(page, 'getMessages', conversationId)).map((m) => m.id));
  const lost = [...acked].filter((id) => !served.has(id));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged messages lost`);
  t.diagnostic(`${acked.size} messages acknowledged before the kill, ${served.size} served after it`);
});
