// The developer console of the demo: every call of the API, its events and the
// identity, on the same device state as the shop's widget. The page's <head> has
// the pre-load snippet and the script tag (with data-api-key), so KustomerChat
// exists before this file runs.
"use strict";
// Demo users: one identified by email, one by externalId, one by both.
const USERS = [
  { name: "Ann", email: "ann@example.com" },
  { name: "Bob", externalId: "bob-42" },
  { name: "Carol", email: "carol@example.com", externalId: "carol-7" },
];

const $ = (id) => document.getElementById(id);
let chat = null;        // window.KustomerChat once ready (before, it may be the snippet's stub)
let selected = null;    // id of the open conversation

function el(tag, props, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
}

function showError(err) {
  const box = $("error");
  box.replaceChildren(el("code", { textContent: err && err.code ? err.code : "ERROR" }), " ",
    (err && err.message) || String(err));
  box.hidden = false;
}
function clearError() { $("error").hidden = true; }

function log(text) {
  const line = el("li", { textContent: new Date().toLocaleTimeString() + "  " + text });
  $("log").prepend(line);
}

// Runs an SDK call from a button, showing its error code if it fails.
async function act(fn) {
  clearError();
  try { return await fn(); } catch (err) { showError(err); }
}

async function devFetch(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) {
    const e = new Error((data && data.error && data.error.message) || res.statusText);
    e.code = (data && data.error && data.error.code) || "HTTP_" + res.status;
    throw e;
  }
  return data;
}

// ---- identity ----

async function renderIdentity() {
  // Everything is read first and the DOM replaced in one step, so that
  // overlapping refreshes cannot interleave their rows.
  const id = await chat.getIdentity();
  const rows = [];
  for (const u of USERS) {
    const loggedIn = u.email ? await chat.isLoggedIn("email", u.email) : await chat.isLoggedIn("userId", u.externalId);
    const claims = [u.email && "email " + u.email, u.externalId && "externalId " + u.externalId].filter(Boolean).join(", ");
    rows.push(el("div", { className: "user" },
      el("div", { className: "who" }, u.name, " ", loggedIn ? el("span", { className: "tick", textContent: "✓" }) : null,
        el("small", { textContent: claims })),
      el("button", { textContent: "Log in", onclick: () => act(() => logInAs(u, false)) }),
      el("button", { textContent: "Switch", title: "logOutThenLogIn", onclick: () => act(() => logInAs(u, true)) }),
    ));
  }
  const fields = [];
  if (id) {
    for (const key of ["customerId", "trackingId", "email", "externalId", "verified", "verifiedAt"]) {
      fields.push(el("dt", { textContent: key }), el("dd", { textContent: id[key] === null ? "null" : String(id[key]) }));
    }
  }
  $("login-state").textContent = !id ? "No identity yet"
    : id.verified ? "Logged in as " + (id.email || id.externalId) : "Anonymous visitor";
  $("identity").replaceChildren(...fields);
  $("users").replaceChildren(...rows);
}

async function logInAs(user, switching) {
  const { jwt } = await devFetch("/v1/dev/token", { email: user.email, externalId: user.externalId });
  const id = switching ? await chat.logOutThenLogIn(jwt) : await chat.logIn(jwt);
  log((switching ? "logOutThenLogIn" : "logIn") + " resolved: customer " + id.customerId);
}

// ---- chat ----

async function renderConversations() {
  const convs = await chat.getConversations();
  const total = await chat.getUnreadCount();
  if (selected && !convs.some((c) => c.id === selected)) selected = null;
  const items = convs.map((c) => el("li", {}, el("button", {
    type: "button", className: c.id === selected ? "selected" : "", onclick: () => act(() => select(c.id)),
    ariaCurrent: c.id === selected ? "true" : null,
  },
  c.unread ? el("span", { className: "badge", textContent: c.unread + " unread" }) : null,
  el("div", { textContent: new Date(c.lastMessageAt).toLocaleString() }),
  el("div", { className: "preview", textContent: c.preview }))));
  if (!items.length) items.push(el("li", { className: "empty", textContent: "No conversations yet." }));
  $("conversations").replaceChildren(...items);
  $("unread").textContent = total ? "· " + total + " unread" : "";
  $("agent-reply").disabled = !selected;
}

async function renderMessages() {
  const box = $("messages");
  if (!selected) {
    box.replaceChildren(el("p", { className: "empty", textContent: "Write a message to start a conversation." }));
    return;
  }
  const msgs = await chat.getMessages(selected);
  box.replaceChildren(...msgs.map((m) => el("div", { className: "msg " + m.author },
    m.body, el("time", { textContent: (m.authorName || m.author) + " · " + new Date(m.createdAt).toLocaleTimeString() }))));
  box.scrollTop = box.scrollHeight;
}

async function select(id) {
  selected = id;
  await chat.markRead(id);
  await refresh();
}

// Refreshes run one after another; listeners may ask for several at once.
let refreshing = Promise.resolve();
function refresh() {
  const run = async () => {
    await renderIdentity();
    await renderConversations();
    await renderMessages();
  };
  refreshing = refreshing.then(run, run);
  return refreshing;
}

async function send(text) {
  if (selected) {
    await chat.sendMessage(selected, text);
  } else {
    const conv = await chat.createConversation({ message: text });
    selected = conv.id;
  }
  await refresh();
}

// ---- start ----

function wire() {
  $("logout").onclick = () => act(async () => { await chat.logOut(); selected = null; });
  $("new-conversation").onclick = () => act(async () => { selected = null; await refresh(); $("text").focus(); });
  $("composer").onsubmit = (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    act(async () => { await send(text); $("text").value = ""; });
  };
  $("agent-form").onsubmit = (ev) => {
    ev.preventDefault();
    const body = $("agent-text").value.trim();
    if (!body || !selected) return;
    act(() => devFetch("/v1/dev/agent-reply", { conversationId: selected, body, authorName: "Maya" }));
  };
  chat.addListener("onLogin", (id) => { log("onLogin " + (id.email || id.externalId)); act(refresh); });
  chat.addListener("onLogout", () => { log("onLogout"); selected = null; act(refresh); });
  chat.addListener("onConversationCreate", (c) => log("onConversationCreate " + c.id));
  chat.addListener("onMessageReceived", (m) => {
    log("onMessageReceived from " + m.author + ": " + m.body.slice(0, 40));
    act(async () => { if (m.conversationId === selected) await chat.markRead(selected); await refresh(); });
  });
  chat.addListener("onUnread", (u) => log("onUnread " + u.total));
  chat.addListener("onOpen", () => log("onOpen"));
  chat.addListener("onClose", () => log("onClose"));
  chat.addListener("onMessageSent", (m) => log("onMessageSent " + m.id));
  chat.addListener("onConnectionChange", (c) => log("onConnectionChange connected=" + c.connected));
}

function disable(reason) {
  for (const node of document.querySelectorAll("[data-needs-sdk]")) node.disabled = true;
  $("notice").hidden = false;
  $("notice").textContent = reason;
}

(async () => {
  if (!window.KustomerChat) {
    $("status").textContent = "Not in development mode"; // the page says how to start it
    for (const node of document.querySelectorAll("[data-needs-sdk]")) node.disabled = true;
    return;
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    showError({ code: "CSP", message: e.violatedDirective + " blocked " + (e.blockedURI || "inline code") });
  });
  try {
    await window.KustomerChat.ready;
    chat = window.KustomerChat;
    wire();
    await refresh();
    $("status").textContent = "SDK ready · " + location.origin;
  } catch (err) {
    $("status").textContent = "SDK failed to start";
    disable("The SDK could not start here.");
    showError(err);
  }
})();
