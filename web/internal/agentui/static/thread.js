// One conversation: its messages a page at a time from the latest back, the reply
// composer, close / reopen, and the customer panel with export and erase.
import { ApiError, api, download, enc, uuid } from './api.js';
import { h, linkify } from './dom.js';
import { customerName, fullTime, plural, time, verifiedMark } from './text.js';

const $ = (id) => document.getElementById(id);
const NARROW = matchMedia('(max-width: 719.98px)'); // the layout that shows the list or the thread, not both

// threadView draws the open conversation. agent() is the signed-in agent;
// changed(conversation) passes what the service answered for it to the list;
// erased(customerId) tells that a customer is gone; closed() that no conversation is open.
export function threadView({ agent, announce, changed, erased, closed }) {
  const section = $('thread');
  const log = $('log');
  const earlier = $('earlier');
  const error = $('thread-error');
  const input = $('reply');
  const form = $('composer');
  const closeButton = $('close');
  const reopenButton = $('reopen');
  const panel = $('customer');
  const dialog = $('erase-dialog');

  let conv = null;
  let customer = null;
  let nodes = new Map(); // message id -> its element
  let older = null; // the cursor of the page before the first message drawn; null: that is the first message
  let loadingEarlier = false;
  let generation = 0;
  let loading = null; // the first page's load in flight: live messages wait for it

  earlier.addEventListener('click', showEarlier);
  form.addEventListener('submit', (e) => { e.preventDefault(); send(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  closeButton.addEventListener('click', () => setStatus('close'));
  reopenButton.addEventListener('click', () => setStatus('reopen'));
  $('back').addEventListener('click', () => close());
  $('export').addEventListener('click', exportData);
  $('erase').addEventListener('click', confirmErase);
  dialog.addEventListener('close', () => { if (dialog.returnValue === 'erase') erase(); else $('erase').focus(); });
  document.addEventListener('visibilitychange', () => { if (conv?.agentUnread > 0) markReadIfViewing(); });

  async function open(c) {
    const gen = ++generation;
    conv = c;
    customer = null;
    nodes = new Map();
    older = null;
    loadingEarlier = false;
    error.textContent = '';
    log.replaceChildren();
    earlier.hidden = true;
    section.hidden = false;
    $('no-thread').hidden = true;
    document.getElementById('panes').classList.add('has-thread');
    drawHead();
    drawCustomer();
    // On a narrow screen the list, and the row that had focus, are hidden now.
    if (NARROW.matches) $('thread-title').focus();
    loadCustomer(gen);
    log.setAttribute('aria-busy', 'true'); // the history is one change, not one announcement per message
    loading = loadHistory(gen);
    await loading;
    if (gen !== generation) return;
    log.removeAttribute('aria-busy');
    log.scrollTop = log.scrollHeight;
    if (conv.agentUnread > 0) markReadIfViewing();
  }

  // Only the newest page: an agent reads the latest messages first, and a long
  // conversation opens as fast as a short one.
  async function loadHistory(gen) {
    let page;
    try {
      page = await api(`/conversations/${enc(conv.id)}/messages?order=newest`);
    } catch (e) {
      if (gen !== generation) return;
      error.textContent = 'Could not load the messages: ' + e.message;
      if (e.status === 404) gone(conv?.id);
      return;
    }
    if (gen !== generation) return;
    // Replies sent while this loaded are drawn already, and stay the same elements.
    const got = page.messages.reverse().filter((m) => !nodes.has(m.id));
    log.prepend(...got.map(node));
    older = page.next;
    earlier.hidden = !older;
  }

  async function showEarlier() {
    if (loadingEarlier || !older) return;
    const gen = generation;
    loadingEarlier = true;
    error.textContent = '';
    let page;
    try {
      page = await api(`/conversations/${enc(conv.id)}/messages?order=newest&cursor=${enc(older)}`);
    } catch (e) {
      if (gen !== generation) return;
      loadingEarlier = false;
      error.textContent = 'Could not load the earlier messages: ' + e.message;
      if (e.status === 404) gone(conv?.id);
      return;
    }
    if (gen !== generation) return;
    loadingEarlier = false;
    const got = page.messages.reverse().filter((m) => !nodes.has(m.id));
    const height = log.scrollHeight;
    log.prepend(...got.map(node));
    log.scrollTop += log.scrollHeight - height; // the reader stays where they were
    older = page.next;
    earlier.hidden = !older;
    announce(plural(got.length, 'earlier message') + ' shown.');
    if (earlier.hidden) log.focus();
  }

  function node(m) {
    const fromAgent = m.author === 'agent';
    const el = h('article', { class: 'msg' + (fromAgent ? ' agent' : ''), 'data-id': m.id },
      h('p', { class: 'meta' },
        h('span', { class: 'author' }, fromAgent ? (m.authorName || 'Agent') : customerName(conv.customer)),
        ' · ', time(m.createdAt)),
      h('p', { class: 'body' }, linkify(m.body)),
      h('p', { class: 'state' }));
    nodes.set(m.id, el);
    return el;
  }

  function drawHead() {
    const title = $('thread-title');
    title.replaceChildren(...[customerName(conv.customer), verifiedMark(conv.customer)].filter(Boolean));
    const isClosed = conv.status === 'closed';
    $('thread-status').textContent = isClosed ? 'Closed' : 'Open';
    $('thread-status').className = 'status' + (isClosed ? ' closed' : '');
    closeButton.hidden = isClosed;
    reopenButton.hidden = !isClosed;
  }

  async function loadCustomer(gen) {
    const id = conv.customer?.id;
    if (!id) return;
    try {
      const r = await api(`/customers/${enc(id)}`);
      if (gen !== generation) return;
      customer = r.customer;
      drawCustomer();
    } catch (e) {
      if (gen === generation) $('customer-error').textContent = 'Could not load the customer: ' + e.message;
    }
  }

  function drawCustomer() {
    const c = customer || conv.customer || {};
    panel.hidden = false;
    $('customer-error').textContent = '';
    const row = (term, value) => [h('dt', null, term), h('dd', null, value)];
    $('customer-details').replaceChildren(
      ...row('Email', c.email || '—'),
      ...row('External ID', c.externalId || '—'),
      ...row('Verified', c.verified ? (c.verifiedAt ? ['Yes, ', fullTime(c.verifiedAt)] : 'Yes') : 'No'),
      ...row('First seen', fullTime(c.firstSeenAt)),
      ...row('Last seen', fullTime(c.lastSeenAt)));
  }

  // add shows live messages of every conversation that belong to this one, each once.
  async function add(messages) {
    if (!conv) return [];
    const id = conv.id;
    const mine = messages.filter((m) => m.conversationId === id);
    if (!mine.length) return [];
    if (loading) await loading;
    if (!conv || conv.id !== id) return [];
    const fresh = mine.filter((m) => !nodes.has(m.id));
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    for (const m of fresh) log.append(node(m));
    if (stick) log.scrollTop = log.scrollHeight;
    const fromCustomer = fresh.filter((m) => m.author === 'customer').length;
    if (fromCustomer) {
      conv.agentUnread += fromCustomer;
      markReadIfViewing();
    }
    return fresh;
  }

  async function send() {
    const body = input.value.trim();
    if (!body || !conv) return;
    input.value = '';
    const m = { id: uuid(), conversationId: conv.id, author: 'agent', authorName: agent().name, body, createdAt: new Date().toISOString() };
    const el = node(m);
    log.append(el);
    log.scrollTop = log.scrollHeight;
    await deliver(m, el, conv.id);
  }

  // deliver posts a reply, under the id it got when written: a retry after a lost
  // answer finds it stored and stores nothing more.
  async function deliver(m, el, conversationId) {
    const state = el.querySelector('.state');
    state.className = 'state';
    state.replaceChildren('Sending…');
    try {
      const r = await api(`/conversations/${enc(conversationId)}/messages`, { method: 'POST', body: { id: m.id, body: m.body } });
      Object.assign(m, r.message);
      el.querySelector('time')?.replaceWith(time(m.createdAt));
      state.replaceChildren();
      if (conv?.id === conversationId) conv.agentUnread = 0;
      refreshConversation(conversationId);
    } catch (e) {
      state.className = 'state failed';
      const retry = h('button', { type: 'button', class: 'link', onclick: () => { deliver(m, el, conversationId); input.focus(); } }, 'Retry');
      // A refusal (4xx but 429) would be refused again: no Retry for it.
      const final = e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429;
      state.replaceChildren(...['Not sent: ' + e.message + ' ', final ? null : retry].filter(Boolean));
      announce('Your reply was not sent.');
    }
  }

  async function refreshConversation(id) {
    try {
      const r = await api(`/conversations/${enc(id)}`);
      if (conv?.id === id) { conv = r.conversation; drawHead(); }
      changed(r.conversation);
    } catch (e) {
      if (e.status === 404) gone(id);
    }
  }

  async function setStatus(action) {
    const id = conv.id;
    const button = action === 'close' ? closeButton : reopenButton;
    button.disabled = true;
    try {
      const r = await api(`/conversations/${enc(id)}/${action}`, { method: 'POST' });
      if (conv?.id !== id) return;
      conv = r.conversation;
      drawHead();
      changed(conv);
      announce(action === 'close' ? 'Conversation closed.' : 'Conversation reopened.');
      (action === 'close' ? reopenButton : closeButton).focus(); // the pressed button is hidden now
    } catch (e) {
      error.textContent = (action === 'close' ? 'Could not close it: ' : 'Could not reopen it: ') + e.message;
    } finally {
      button.disabled = false;
    }
  }

  // Reading happens on a visible page: a thread open in a background tab stays unread.
  function markReadIfViewing() {
    if (!conv || document.visibilityState !== 'visible') return;
    const id = conv.id;
    conv.agentUnread = 0;
    api(`/conversations/${enc(id)}/read`, { method: 'POST' }).then(() => refreshConversation(id), () => {});
  }

  async function exportData() {
    const c = customer || conv.customer;
    try {
      await download(`/customers/${enc(c.id)}/export`, `customer-${c.id}.json`);
      announce('The export of ' + customerName(c) + ' is downloading.');
    } catch (e) {
      $('customer-error').textContent = 'Could not export: ' + e.message;
    }
  }

  async function confirmErase() {
    const c = customer || conv.customer;
    let count = '';
    try {
      const r = await api(`/customers/${enc(c.id)}/conversations`);
      count = r.next ? 'more than ' + plural(r.conversations.length, 'conversation') : plural(r.conversations.length, 'conversation');
    } catch { count = 'every conversation'; }
    $('erase-what').textContent = `This deletes ${customerName(c)} from the database: ${count} with all their messages, ` +
      'their devices and their sessions. Their browsers start over as new anonymous visitors.';
    dialog.returnValue = '';
    dialog.showModal();
  }

  async function erase() {
    const c = customer || conv.customer;
    try {
      await api(`/customers/${enc(c.id)}`, { method: 'DELETE' });
    } catch (e) {
      $('customer-error').textContent = 'Could not erase: ' + e.message;
      $('erase').focus();
      return;
    }
    announce(customerName(c) + ' was erased.');
    close();
    erased(c.id);
  }

  // gone closes a conversation that no longer exists (its customer was erased elsewhere).
  function gone(id) {
    if (conv?.id !== id) return; // another one is open by now
    const c = conv.customer;
    announce('This conversation no longer exists.');
    close();
    if (c) erased(c.id);
  }

  function close() {
    const id = conv?.id;
    generation++;
    conv = null;
    customer = null;
    loading = null;
    section.hidden = true;
    panel.hidden = true;
    $('no-thread').hidden = false;
    document.getElementById('panes').classList.remove('has-thread');
    closed(id);
  }

  return {
    open,
    add,
    close,
    current: () => conv,
    // update takes what the service now says of the open conversation (a live change).
    update(c) {
      if (conv?.id !== c.id) return;
      conv = { ...conv, ...c };
      drawHead();
    },
    gone,
  };
}
