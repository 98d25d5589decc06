// Fernhill Goods, the demo shop: how a site wires the chat into its own sign-in.
//
// The page has the pre-load snippet and the script tag in its <head>, so
// window.KustomerChat exists before this file runs and every call below queues
// until the SDK is ready. Nothing here runs on a plain visit by someone who never
// signs in or chats: such a visitor downloads the loader and its launcher only.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  // Always through the global: the loader replaces the snippet's stub when it
  // arrives, and a reference kept to the stub would miss that.
  const chat = () => window.KustomerChat;
  const AGENT_NAME = 'Maya';

  // ---- The shop's own session. A real site has its cookie and its backend; the
  // demo keeps the signed-in email in localStorage.
  const SESSION = 'fernhill-demo:user';
  const session = {
    get() { try { return localStorage.getItem(SESSION); } catch { return null; } },
    set(email) { try { localStorage.setItem(SESSION, email); } catch { /* private mode: this page only */ } },
    clear() { try { localStorage.removeItem(SESSION); } catch { /* nothing kept */ } },
  };

  // The shop's backend signs the chat's login token for its signed-in user, with the
  // org's secret, never from what the browser claims. In the demo the chat service's
  // development route plays that backend.
  async function chatToken(email) {
    const data = await post('/v1/dev/token', { email });
    return data.jwt;
  }

  async function post(path, body) {
    const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const data = await res.json().catch(() => null);
    if (!res.ok) {
      const err = new Error((data && data.error && data.error.message) || `HTTP ${res.status}`);
      err.code = data && data.error && data.error.code;
      throw err;
    }
    return data;
  }

  // ---- The chat's lifecycle, in three calls.

  // On every page of a signed-in user: link the chat to them, unless it already is
  // (isLoggedIn is answered on the device, no request). A chat left logged in as
  // someone else is switched in one step.
  async function linkChat(email) {
    if (await chat().isLoggedIn('email', email)) return;
    const jwt = await chatToken(email);
    const identity = await chat().getIdentity();
    if (identity.verified) await chat().logOutThenLogIn(jwt);
    else await chat().logIn(jwt); // the visitor's anonymous conversations come along
  }

  async function signIn(email) {
    session.set(email);
    renderAccount();
    try {
      await linkChat(email);
    } catch (err) {
      // The shop's sign-in worked; only the chat is not linked yet. The next page tries again.
      toast(`Signed in. The chat could not load your history (${err.code || err.message}).`);
    }
  }

  async function signOut() {
    session.clear();
    renderAccount();
    // Clears the customer's chat from this device; resolves also offline.
    await chat().logOut();
    toast('Signed out. Nothing of your chat is left on this device.');
  }

  // ---- Page.

  function renderAccount() {
    const email = session.get();
    $('account-name').textContent = email ? `Hi, ${email}` : '';
    $('account-name').hidden = !email;
    $('sign-in').hidden = !!email;
    $('sign-out').hidden = !email;
  }

  let toastTimer = 0;
  function toast(text) {
    clearTimeout(toastTimer);
    $('toast').textContent = text;
    toastTimer = setTimeout(() => { $('toast').textContent = ''; }, 6000);
  }

  let cart = 0;
  for (const b of document.querySelectorAll('[data-add]')) {
    b.addEventListener('click', () => {
      cart++;
      $('cart').textContent = `Cart (${cart})`;
      toast(`${b.dataset.add} added to your cart.`);
    });
  }

  renderAccount();

  if (!chat()) { // the service runs without -dev
    for (const b of document.querySelectorAll('[data-chat-open], #sign-in, #sign-out, #answer-as-agent')) b.disabled = true;
    return;
  }

  // A strict CSP is part of the demo: a violation would be a bug of the SDK.
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline code'}`);
  });

  for (const b of document.querySelectorAll('[data-chat-open]')) {
    b.addEventListener('click', () => chat().open().catch((err) => toast(`The chat could not open (${err.code || err.message}).`)));
  }

  const email = session.get();
  if (email) linkChat(email).catch((err) => console.warn('chat: could not link the signed-in user:', err.code, err.message));

  // Sign in
  const signInDialog = $('sign-in-dialog');
  $('sign-in').addEventListener('click', () => {
    $('sign-in-error').textContent = '';
    signInDialog.showModal();
  });
  $('sign-in-cancel').addEventListener('click', () => signInDialog.close());
  $('sign-in-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = $('email').value.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(value)) {
      $('sign-in-error').textContent = 'Enter an email address, like ann@example.com.';
      $('email').focus();
      return;
    }
    signInDialog.close();
    await signIn(value);
    $('sign-out').focus();
  });
  $('sign-out').addEventListener('click', async () => {
    await signOut().catch((err) => toast(`Sign-out of the chat failed (${err.code || err.message}).`));
    $('sign-in').focus();
  });

  // Answer as agent: the shop's support team, played by the visitor of the demo.
  const agentDialog = $('agent-dialog');
  let conversationId = null;
  $('answer-as-agent').addEventListener('click', async () => {
    $('agent-error').textContent = '';
    const last = $('agent-last');
    last.hidden = true;
    conversationId = null;
    if (!agentDialog.open) agentDialog.show(); // not modal: the chat stays usable next to it
    try {
      const [latest] = await chat().getConversations();
      if (!latest) {
        $('agent-context').textContent = 'No conversation yet. Open the chat (bottom right), write to the shop, then answer here.';
        return;
      }
      conversationId = latest.id;
      const messages = await chat().getMessages(latest.id);
      const mine = messages.filter((m) => m.author === 'customer').pop();
      $('agent-context').textContent = 'Your reply goes to the visitor\'s latest conversation. They wrote:';
      last.textContent = mine ? mine.body : latest.preview;
      last.hidden = false;
      $('agent-body').focus();
    } catch (err) {
      $('agent-error').textContent = `Could not read the conversation (${err.code || err.message}).`;
    }
  });
  $('agent-cancel').addEventListener('click', () => agentDialog.close());
  $('agent-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = $('agent-body').value.trim();
    if (!conversationId) {
      $('agent-error').textContent = 'Start a conversation in the chat first.';
      return;
    }
    if (!body) {
      $('agent-error').textContent = 'Write a reply.';
      return;
    }
    try {
      await post('/v1/dev/agent-reply', { conversationId, body, authorName: $('agent-name').value.trim() || AGENT_NAME });
      agentDialog.close();
      toast('Reply sent. It appears in the visitor\'s chat within a second.');
    } catch (err) {
      $('agent-error').textContent = `The reply was not sent (${err.code || err.message}).`;
    }
  });
})();
