// The chat panel, loaded by the loader the first time a visitor shows intent or the
// page opens the chat. It talks to the SDK only through the public KustomerChat API,
// so everything it does a site could do too.
import { h, icon, linkify, when } from './dom.js';
import { css } from './style.js';

const NARROW = '(max-width: 479.98px)';

// A refusal that passes: the service is out of reach or limiting this visitor for now.
// The core keeps what was typed and sends it later, so the widget retries too.
const passing = (e) => e.code === 'NETWORK_ERROR' || e.code === 'RATE_LIMITED';

function sheet(text) {
  const s = new CSSStyleSheet();
  s.replaceSync(text);
  return s;
}

export function mount({ kc, root, config, launcher }) {
  const viewport = new CSSStyleSheet();
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet(css), viewport];
  const draft = draftStore('kustomer-chat:' + config.apiKey + ':draft');

  const back = h('button', { type: 'button', class: 'icon', 'aria-label': 'All conversations', hidden: true, onclick: () => showList() },
    icon('M15.4 7.4 14 6l-6 6 6 6 1.4-1.4-4.6-4.6z'));
  const closer = h('button', { type: 'button', class: 'icon', 'aria-label': 'Close chat', onclick: () => kc.close() },
    icon('M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z'));
  const notice = h('p', { class: 'notice', role: 'status' });
  const log = h('div', { class: 'log', role: 'log', 'aria-label': 'Messages', tabindex: '0' });
  const input = h('textarea', { id: 'kc-input', rows: '1', maxlength: '4000', placeholder: 'Write a message…', onkeydown: onComposerKey, oninput: onInput });
  const form = h('form', { onsubmit: onSubmit },
    h('label', { for: 'kc-input', class: 'vh' }, 'Message'),
    input,
    h('button', { type: 'submit', class: 'send', 'aria-label': 'Send message' }, icon('M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z')));
  const threadView = h('div', { class: 'view' }, log, form);
  const list = h('ul', { class: 'list', 'aria-label': 'Conversations' });
  const newButton = h('button', { type: 'button', class: 'new', onclick: () => { openConversation(null, []); input.focus(); } }, 'New conversation');
  const listView = h('div', { class: 'view', hidden: true }, list, newButton);
  const panel = h('div', { class: 'panel' + (config.left ? ' left' : ''), id: 'kc-panel', role: 'dialog', 'aria-labelledby': 'kc-title', hidden: true, onkeydown: onPanelKey },
    h('div', { class: 'head' }, back, h('h2', { id: 'kc-title' }, config.title), closer),
    notice, threadView, listView);
  root.appendChild(panel);
  input.value = draft.get();
  fitComposer();

  let conversations = [];
  let current = null; // the conversation shown; null: a new one, started by the first message
  let nodes = new Map(); // message id -> its element, in the current thread
  let unbound = []; // the visitor's messages not yet known to the core by id: { el, body }
  let loaded = false;
  let generation = 0; // bumped by every reset, so that answers for an earlier identity are dropped
  let starting = null; // the createConversation in flight
  let opener = null;
  let retryTimer = 0;

  const narrow = window.matchMedia(NARROW);
  narrow.addEventListener('change', layout);
  if (window.visualViewport) {
    visualViewport.addEventListener('resize', fitViewport);
    visualViewport.addEventListener('scroll', fitViewport);
  }
  document.addEventListener('visibilitychange', markReadIfViewing);

  kc.addListener('onMessageReceived', (m) => {
    const conv = conversations.find((c) => c.id === m.conversationId);
    if (conv) { conv.preview = m.body; conv.lastMessageAt = m.createdAt; if (m.author === 'agent') conv.unread++; }
    else refreshList();
    if (m.conversationId === current && !nodes.has(m.id)) {
      append(messageNode(m, null), m.id);
      markReadIfViewing();
    }
    if (!listView.hidden) renderList();
  });
  kc.addListener('onMessageSent', (m) => {
    const el = nodes.get(m.id) || bind(m.body, m.id);
    if (el) setState(el, 'sent');
  });
  kc.addListener('onConversationCreate', (c) => {
    if (!conversations.some((x) => x.id === c.id)) conversations.unshift(c);
    back.hidden = false;
  });
  kc.addListener('onConnectionChange', ({ connected }) => {
    notice.textContent = connected ? '' : 'Connection lost. Reconnecting… Messages you write will be sent when it is back.';
    if (connected && !loaded && !panel.hidden) load();
  });
  kc.addListener('onLogin', reset);
  kc.addListener('onLogout', () => {
    input.value = '';
    draft.set('');
    fitComposer();
    reset();
  });

  // reset forgets everything of the previous identity, in the DOM as in memory.
  function reset() {
    generation++;
    conversations = [];
    list.replaceChildren(); // the hidden list view still shows the previous customer's previews
    loaded = false;
    starting = null;
    openConversation(null, []);
    if (!panel.hidden) load();
  }

  async function load() {
    const gen = generation;
    clearTimeout(retryTimer);
    try {
      const [convs, pending] = await Promise.all([kc.getConversations(), kc.getPendingMessages()]);
      if (gen !== generation) return;
      conversations = convs;
      loaded = true;
      notice.textContent = ''; // an earlier failed load's notice; the service answered
      // The visitor wrote in the thread on screen while this loaded (before the core
      // was ready, or on a slow network): reopening would wipe their message from view.
      if (starting || unbound.length) return;
      const target = current || (convs[0] && convs[0].id) || (pending[0] && pending[0].conversationId) || null;
      await openConversation(target, pending);
    } catch (e) {
      if (gen !== generation) return;
      if (passing(e)) {
        notice.textContent = (e.code === 'RATE_LIMITED' ? 'The chat service is busy.' : 'Cannot reach the chat service.') + ' Retrying…';
        retryTimer = setTimeout(() => { if (!panel.hidden) load(); }, 5000);
        // What this device still has to send (kept across a reload) is shown all the
        // same, as not sent, so that the visitor neither misses nor rewrites it.
        const pending = await kc.getPendingMessages().catch(() => []);
        if (gen === generation && pending.length && !current && !starting && !unbound.length) {
          await openConversation(pending[0].conversationId, pending);
        }
      } else notice.textContent = 'Chat is unavailable right now (' + e.message + ').';
    }
  }

  async function openConversation(id, pending) {
    const gen = generation;
    current = id;
    nodes = new Map();
    unbound = [];
    log.replaceChildren();
    log.setAttribute('aria-busy', 'true'); // one announcement for the thread, not one per message
    showThread();
    if (!id) log.append(h('p', { class: 'greeting' }, config.greeting));
    try {
      const stored = conversations.some((c) => c.id === id) ? await kc.getMessages(id) : [];
      if (gen !== generation || current !== id) return;
      for (const m of stored) append(messageNode(m, null), m.id);
      for (const p of pending) if (p.conversationId === id && !nodes.has(p.id)) append(messageNode(p, p.state), p.id);
    } catch (e) {
      if (gen === generation) notice.textContent = 'Could not load this conversation. ' + (passing(e) ? 'Retrying…' : '');
    } finally {
      log.removeAttribute('aria-busy');
    }
    markReadIfViewing();
  }

  function messageNode(m, state) {
    const mine = m.author === 'customer';
    const el = h('div', { class: 'msg' + (mine ? ' mine' : '') },
      h('span', { class: 'meta' }, mine ? 'You' : m.authorName || 'Support', ' · ', when(m.createdAt)),
      h('p', { class: 'bubble' }, linkify(m.body)),
      mine ? h('span', { class: 'state' }) : null);
    if (state) setState(el, state);
    return el;
  }

  function setState(el, state) {
    const status = el.lastChild;
    status.className = 'state' + (state === 'failed' ? ' failed' : '');
    if (state === 'failed') {
      status.replaceChildren('Not sent.', h('button', { type: 'button', class: 'link', onclick: retry }, 'Retry'));
    } else status.replaceChildren(state === 'sending' ? 'Sending…' : state === 'sent' ? 'Sent' : state || '');
  }

  function append(el, id) {
    if (id) nodes.set(id, el);
    const stick = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(el);
    if (stick || el.classList.contains('mine')) log.scrollTop = log.scrollHeight;
  }

  // bind gives the oldest unbound message with this text its id, once the core has one.
  function bind(body, id) {
    const i = unbound.findIndex((u) => u.body === body);
    if (i < 0) return null;
    const [{ el }] = unbound.splice(i, 1);
    nodes.set(id, el);
    return el;
  }

  // After a send failed for want of a network, the core keeps the message: learn its
  // id and the conversation it will start, and show it as not sent yet.
  async function adoptPending() {
    const pending = await kc.getPendingMessages();
    for (const p of pending) {
      if (!current && p.conversationId) current = p.conversationId;
      const el = nodes.get(p.id) || (p.conversationId === current ? bind(p.body, p.id) : null);
      if (el) setState(el, p.state);
    }
  }

  async function retry() {
    for (const el of nodes.values()) if (el.querySelector('.failed')) setState(el, 'sending');
    await kc.retryPending().catch(() => {});
    await adoptPending().catch(() => {});
  }

  async function deliver(body) {
    if (!current && starting) await starting.catch(() => {});
    if (current) return kc.sendMessage(current, body);
    starting = kc.createConversation({ message: body }).then((c) => {
      current = c.id;
      if (!conversations.some((x) => x.id === c.id)) conversations.unshift(c);
      back.hidden = false;
    });
    try { await starting; } finally { starting = null; }
  }

  async function onSubmit(e) {
    e.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    input.value = '';
    draft.set('');
    fitComposer();
    const gen = generation;
    const el = messageNode({ author: 'customer', body, createdAt: new Date().toISOString() }, 'sending');
    log.querySelector('.greeting')?.remove();
    unbound.push({ el, body });
    append(el);
    try {
      const m = await deliver(body);
      if (m && m.id && !nodes.has(m.id)) bind(body, m.id);
      if (gen === generation) setState(el, 'sent');
    } catch (err) {
      if (gen !== generation) return;
      if (passing(err)) await adoptPending().catch(() => setState(el, 'failed'));
      else {
        unbound = unbound.filter((u) => u.el !== el);
        el.lastChild.className = 'state failed';
        el.lastChild.textContent = 'Not sent: ' + err.message;
      }
    }
  }

  function onComposerKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  }

  function onInput() {
    draft.set(input.value);
    fitComposer();
  }

  // The composer grows with its text up to five lines, through rows: no style attribute.
  function fitComposer() {
    input.rows = Math.min(5, input.value.split('\n').length);
  }

  function onPanelKey(e) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      kc.close();
    } else if (e.key === 'Tab' && narrow.matches) trapFocus(e);
  }

  // Full screen, the panel is modal: Tab cycles inside it.
  function trapFocus(e) {
    const focusable = [...panel.querySelectorAll('button:not([hidden]), textarea, [tabindex="0"]')]
      .filter((el) => !el.closest('[hidden]'));
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = root.activeElement;
    if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
  }

  function layout() {
    if (narrow.matches) panel.setAttribute('aria-modal', 'true');
    else panel.removeAttribute('aria-modal');
    fitViewport();
  }

  // Keeps the full-screen panel, and so its composer, inside the visual viewport: above
  // the on-screen keyboard.
  function fitViewport() {
    const vv = window.visualViewport;
    viewport.replaceSync(vv && narrow.matches && !panel.hidden
      ? ':host{--kc-viewport-height:' + vv.height + 'px;--kc-viewport-top:' + vv.offsetTop + 'px}' : '');
  }

  function showThread() {
    threadView.hidden = false;
    listView.hidden = true;
    back.hidden = conversations.length === 0 && !current;
  }

  async function showList() {
    threadView.hidden = true;
    listView.hidden = false;
    back.hidden = true;
    renderList();
    (list.querySelector('button') || newButton).focus(); // the back button that had it is hidden now
    await refreshList();
  }

  async function refreshList() {
    const gen = generation;
    try {
      const convs = await kc.getConversations();
      if (gen !== generation) return;
      conversations = convs;
      if (!listView.hidden) renderList();
    } catch { /* the list keeps what it had; the notice tells of the network */ }
  }

  function renderList() {
    // Re-rendering must not drop the focus of a keyboard user in the list.
    const active = root.activeElement;
    const focused = active && list.contains(active) ? active.getAttribute('data-id') : null;
    const items = conversations.map((c) => h('li', null, h('button', { type: 'button', 'data-id': c.id, onclick: () => openConversation(c.id, []).then(() => input.focus()) },
      h('span', { class: 'preview' }, c.preview || 'Conversation'),
      c.unread > 0 ? h('span', { class: 'count' }, String(c.unread), h('span', { class: 'vh' }, ' unread')) : h('span'),
      when(c.lastMessageAt))));
    list.replaceChildren(...(items.length ? items : [h('li', { class: 'empty' }, 'No conversations yet.')]));
    if (focused !== null) ([...list.querySelectorAll('button')].find((b) => b.getAttribute('data-id') === focused) || list.querySelector('button') || newButton).focus();
  }

  // Viewing a thread in an open panel on a visible page is reading it.
  function markReadIfViewing() {
    if (panel.hidden || threadView.hidden || !current || document.visibilityState !== 'visible') return;
    const conv = conversations.find((c) => c.id === current);
    if (!conv || conv.unread === 0) return;
    conv.unread = 0;
    kc.markRead(current).catch(() => {});
  }

  return {
    show() {
      opener = document.activeElement;
      panel.hidden = false;
      layout();
      input.focus();
      if (!loaded) load();
      else markReadIfViewing();
    },
    hide() {
      const focusInside = root.activeElement !== null;
      panel.hidden = true;
      fitViewport();
      if (focusInside) (launcher || opener || document.body).focus();
    },
  };
}

// draftStore keeps the composer's text across closing and reloads; in memory where
// localStorage throws. The loader removes it on logOut, even when no panel is loaded.
function draftStore(key) {
  let memory = '';
  return {
    get() {
      try { return localStorage.getItem(key) || ''; } catch { return memory; }
    },
    set(v) {
      memory = v;
      try { if (v) localStorage.setItem(key, v); else localStorage.removeItem(key); } catch { /* memory only */ }
    },
  };
}
