// The conversation list: by status (Open / Closed / All) or one customer's, newest
// activity first, paged by "Load more"; and the customer search that picks one.
import { api, enc } from './api.js';
import { h } from './dom.js';
import { customerName, plural, time, verifiedMark } from './text.js';

const $ = (id) => document.getElementById(id);

// conversationList draws the list into the sidebar. onOpen(conversation) opens one;
// announce(text) tells a screen reader.
export function conversationList({ onOpen, announce }) {
  const list = $('conversations');
  const more = $('more');
  const listError = $('list-error');
  const filter = $('status-filter');
  const customerFilter = $('customer-filter');
  let status = 'open';
  let customer = null; // the customer picked from the search: their conversations only
  let items = [];
  let next = null;
  let loadedMore = false;
  let selected = null;
  let generation = 0; // bumped by every change of what is listed: older answers are dropped

  filter.addEventListener('change', (e) => {
    status = e.target.value;
    reset();
  });
  more.addEventListener('click', loadMore);
  $('every-customer').addEventListener('click', () => showCustomer(null));

  const source = (cursor) => {
    const q = new URLSearchParams();
    if (!customer) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    const qs = q.toString();
    return (customer ? `/customers/${enc(customer.id)}/conversations` : '/conversations') + (qs ? '?' + qs : '');
  };

  function reset() {
    generation++;
    items = [];
    next = null;
    loadedMore = false;
    render();
    return refresh();
  }

  // refresh fetches the first page again and returns the conversations that were
  // not listed before. Pages loaded by "Load more" stay, past the first page.
  async function refresh() {
    const gen = generation;
    let page;
    try {
      page = await api(source());
    } catch (e) {
      if (gen === generation) listError.textContent = 'Could not load the conversations: ' + e.message;
      return [];
    }
    if (gen !== generation) return [];
    listError.textContent = '';
    const known = new Set(items.map((c) => c.id));
    const fresh = page.conversations.filter((c) => !known.has(c.id));
    if (page.next === null || !loadedMore) {
      items = page.conversations;
      next = page.next;
    } else {
      const first = new Set(page.conversations.map((c) => c.id));
      const last = page.conversations[page.conversations.length - 1];
      const rest = items.filter((c) => !first.has(c.id) && c.lastMessageAt <= last.lastMessageAt);
      items = [...page.conversations, ...rest];
    }
    render();
    return fresh;
  }

  async function loadMore() {
    const gen = generation;
    more.disabled = true;
    try {
      const page = await api(source(next));
      if (gen !== generation) return;
      const known = new Set(items.map((c) => c.id));
      const added = page.conversations.filter((c) => !known.has(c.id));
      items = [...items, ...added];
      next = page.next;
      loadedMore = true;
      render();
      announce(added.length ? plural(added.length, 'more conversation') + ' loaded.' : 'No more conversations.');
      // The focus goes to the first row loaded, where the reader left off.
      if (added.length) rowOf(added[0].id)?.focus();
    } catch (e) {
      if (gen === generation) listError.textContent = 'Could not load more conversations: ' + e.message;
    } finally {
      more.disabled = false;
    }
  }

  const rowOf = (id) => [...list.querySelectorAll('button')].find((b) => b.dataset.id === id);

  function render() {
    // Drawing anew must not take the focus from a keyboard user in the list.
    const active = document.activeElement;
    const focused = active && list.contains(active) ? active.dataset.id : null;
    const rows = items.map((c) => h('li', null, row(c)));
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'empty' }, emptyText())]));
    more.hidden = next === null;
    if (focused) (rowOf(focused) || list.querySelector('button') || $('inbox-title')).focus();
  }

  const emptyText = () => customer ? 'No conversations of this customer.'
    : status === 'open' ? 'No open conversations.' : status === 'closed' ? 'No closed conversations.' : 'No conversations yet.';

  function row(c) {
    return h('button', {
      type: 'button', class: 'conv', 'data-id': c.id, 'aria-current': c.id === selected ? 'true' : false,
      onclick: () => onOpen(c),
    },
    h('span', { class: 'who' }, h('span', { class: 'name' }, customerName(c.customer)), verifiedMark(c.customer)),
    h('span', { class: 'when' }, time(c.lastMessageAt, { short: true })),
    h('span', { class: 'preview' }, c.preview || 'No messages'),
    h('span', { class: 'tags' },
      c.status === 'closed' ? h('span', { class: 'tag' }, 'Closed') : null,
      c.agentUnread > 0 ? h('span', { class: 'count' }, String(c.agentUnread), h('span', { class: 'vh' }, ' unread')) : null));
  }

  // showCustomer lists the conversations of customer, or (null) every customer's again.
  function showCustomer(c) {
    const had = customer;
    customer = c;
    customerFilter.hidden = !c;
    filter.disabled = !!c; // one customer's list is every status, newest first
    $('filter-customer').textContent = c ? customerName(c) : '';
    const done = reset();
    if (had && !c) $('list-title').focus?.();
    return done;
  }

  return {
    refresh,
    reset,
    showCustomer,
    // clear empties the list, for the next agent to sign in on this screen.
    clear() {
      generation++;
      items = [];
      next = null;
      selected = null;
      customer = null;
      customerFilter.hidden = true;
      filter.disabled = false;
      list.replaceChildren();
      more.hidden = true;
    },
    // select marks conversation id as the one open (null: none).
    select(id) {
      selected = id;
      for (const b of list.querySelectorAll('button')) {
        if (b.dataset.id === id) b.setAttribute('aria-current', 'true');
        else b.removeAttribute('aria-current');
      }
    },
    // update puts what the service answered for one conversation in its row.
    update(conv) {
      const i = items.findIndex((c) => c.id === conv.id);
      if (i < 0) return;
      const leaves = !customer && status !== 'all' && conv.status !== status;
      if (leaves) items.splice(i, 1);
      else items[i] = conv;
      render();
    },
    // dropCustomer takes every conversation of an erased customer off the list.
    dropCustomer(customerId) {
      items = items.filter((c) => c.customer?.id !== customerId);
      if (customer?.id === customerId) showCustomer(null);
      else render();
    },
    find: (id) => items.find((c) => c.id === id),
    focusRow: (id) => (rowOf(id) || list.querySelector('button') || $('inbox-title')).focus(),
  };
}

// customerSearch runs the search box: results as buttons, and pick(customer) for
// the one chosen. clear() empties it.
export function customerSearch({ pick, announce }) {
  const form = $('search-form');
  const input = $('search');
  const error = $('search-error');
  const results = $('search-results');
  const listEl = $('customers');
  let generation = 0;

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    const gen = ++generation;
    if (!q) {
      error.textContent = 'Type part of an email or external ID.';
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    try {
      const { customers } = await api('/customers?q=' + enc(q));
      if (gen !== generation) return;
      listEl.replaceChildren(...(customers.length ? customers.map((c) => h('li', null,
        h('button', { type: 'button', class: 'customer-row', onclick: () => pick(c) },
          h('span', { class: 'name' }, customerName(c)), verifiedMark(c),
          c.email && c.externalId ? h('span', { class: 'sub' }, c.externalId) : null))) : [h('li', { class: 'empty' }, 'No customer matches.')]));
      results.hidden = false;
      announce(customers.length ? plural(customers.length, 'customer') + ' found.' : 'No customer matches.');
    } catch (err) {
      if (gen === generation) error.textContent = 'Search failed: ' + err.message;
    }
  });
  const clear = () => {
    generation++;
    input.value = '';
    error.textContent = '';
    input.removeAttribute('aria-invalid');
    results.hidden = true;
    listEl.replaceChildren();
  };
  $('clear-search').addEventListener('click', () => {
    clear();
    input.focus();
  });
  return { clear };
}
