// The agent inbox: sign-in, then the conversation list, the open conversation and
// the live feed that keeps both current. Every piece of text is a text node (see
// dom.js): nothing a visitor writes is ever parsed as HTML.
import { api, whenSignedOut } from './api.js';
import { conversationList, customerSearch } from './list.js';
import { startLive } from './live.js';
import { customerName, plural } from './text.js';
import { threadView } from './thread.js';

const $ = (id) => document.getElementById(id);

const announcer = $('announcer');
let announceTimer = 0;

// announce tells a screen reader, politely, what changed. A message replaces the
// one before; the region empties itself so that the same words can come again.
function announce(text) {
  clearTimeout(announceTimer);
  announcer.textContent = text;
  announceTimer = setTimeout(() => { announcer.textContent = ''; }, 5000);
}

let session = null; // { agent, list, thread, live } while signed in

whenSignedOut(() => {
  if (!session) return;
  endSession();
  showSignIn('Your session has ended. Sign in again.');
});

async function boot() {
  try {
    const { agent } = await api('/me', { signIn: true });
    startSession(agent, { focus: false });
  } catch (e) {
    if (e.status === 401) showSignIn();
    else {
      const error = $('boot-error');
      error.textContent = 'The inbox cannot reach the chat service (' + e.message + '). Reload the page to try again.';
      error.hidden = false;
    }
  }
}

// --- Sign-in ---------------------------------------------------------------

const signInForm = $('sign-in-form');
const email = $('email');
const password = $('password');
const signInError = $('sign-in-error');

function showSignIn(message = '') {
  $('inbox').hidden = true;
  $('sign-in').hidden = false;
  document.title = 'Sign in — Kustomer Chat inbox';
  password.value = '';
  setSignInError(message);
  (email.value ? password : email).focus();
}

function setSignInError(message) {
  signInError.textContent = message;
  for (const input of [email, password]) {
    if (message) input.setAttribute('aria-describedby', 'sign-in-error');
    else input.removeAttribute('aria-describedby');
  }
}

signInForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!email.value.trim() || !password.value) {
    setSignInError('Enter your email and password.');
    (email.value.trim() ? password : email).focus();
    return;
  }
  const button = signInForm.querySelector('button[type="submit"]');
  button.disabled = true;
  setSignInError('');
  try {
    const { agent } = await api('/sign-in', { method: 'POST', body: { email: email.value.trim(), password: password.value }, signIn: true });
    password.value = '';
    startSession(agent, { focus: true });
  } catch (err) {
    setSignInError(err.status === 401 ? 'Wrong email or password.'
      : err.status === 429 ? 'Too many sign-in attempts. Try again ' + (err.retryAfter ? `in ${plural(err.retryAfter, 'second')}.` : 'in a minute.')
        : 'Could not sign in: ' + err.message);
    password.select();
    password.focus();
  } finally {
    button.disabled = false;
  }
});

// --- Signed in -------------------------------------------------------------

const list = conversationList({ onOpen: openConversation, announce });
const search = customerSearch({
  announce,
  pick(c) {
    list.showCustomer(c);
    announce('Showing the conversations of ' + customerName(c) + '.');
  },
});
const thread = threadView({
  agent: () => session.agent,
  announce,
  changed: (c) => list.update(c),
  erased: (customerId) => { list.dropCustomer(customerId); list.refresh(); },
  closed: (id) => {
    list.select(null);
    if (id && session) list.focusRow(id);
  },
});

$('sign-out').addEventListener('click', async () => {
  try {
    await api('/sign-out', { method: 'POST' });
  } catch { /* the page forgets the session all the same */ }
  endSession();
  showSignIn();
  announce('Signed out.');
});

async function startSession(agent, { focus }) {
  $('sign-in').hidden = true;
  $('inbox').hidden = false;
  $('agent-name').textContent = agent.name;
  document.title = 'Inbox — Kustomer Chat';
  if (focus) $('inbox-title').focus();
  const live = startLive({ onNews, onTrouble });
  session = { agent, live };
  await live.ready;
  if (session?.live === live) await list.reset();
}

// endSession forgets everything of the agent's: the next one to sign in on this
// screen sees nothing of it.
function endSession() {
  session?.live.stop();
  session = null;
  thread.close();
  list.clear();
  search.clear();
  $('agent-name').textContent = '';
}

async function openConversation(c) {
  list.select(c.id);
  await thread.open(c);
}

// onNews takes one answer of the live feed: the list's first page again, the open
// thread's new messages, and one announcement for all of it.
async function onNews({ messages, changed }) {
  const fresh = await list.refresh();
  const shown = await thread.add(messages);
  const open = thread.current();
  if (open) {
    const now = list.find(open.id);
    if (now) thread.update(now);
    else if (changed) {
      // Not on this page of the list (closed under Open, say): ask for it.
      try {
        const r = await api(`/conversations/${encodeURIComponent(open.id)}`);
        thread.update(r.conversation);
      } catch (e) {
        if (e.status === 404) thread.gone(open.id);
      }
    }
  }
  const parts = [];
  if (fresh.length) parts.push(fresh.length === 1 ? 'New conversation from ' + customerName(fresh[0].customer) + '.' : plural(fresh.length, 'new conversation') + '.');
  const incoming = shown.filter((m) => m.author === 'customer');
  if (incoming.length) parts.push(incoming.length === 1 ? 'New message in this conversation.' : plural(incoming.length, 'new message') + ' in this conversation.');
  const elsewhere = messages.filter((m) => m.author === 'customer' && m.conversationId !== open?.id && !fresh.some((c) => c.id === m.conversationId));
  if (elsewhere.length) parts.push(plural(elsewhere.length, 'new message') + ' in other conversations.');
  if (parts.length) announce(parts.join(' '));
}

function onTrouble(error) {
  $('live-status').textContent = error ? 'Live updates paused: ' + error.message + ' Retrying…' : '';
}

boot();
