/*! Kustomer Chat SDK loader. <script src=".../sdk/kustomer-chat.js" data-api-key="..." async></script> */
// The loader is all a page pays for until someone needs the chat: the API stub with
// its queue, the launcher, and the decision of when to fetch the rest. The build
// (web/tools/sdkbundle) renames the three lazy files below to their content-hashed names.
(function (w, d) {
  'use strict';
  var prior = w.KustomerChat;
  // Included twice: the first copy owns the global and the core loads once.
  if (prior && prior.__loader) return;

  var CORE_WASM = 'kustomer-chat.wasm';
  var CORE_JS = 'kustomer-chat-core.js'; // wasm_exec.js of the Go that built the core
  var WIDGET_JS = 'kustomer-chat-widget.js';

  var METHODS = ['start', 'logIn', 'isLoggedIn', 'logOut', 'logOutThenLogIn', 'getIdentity',
    'createConversation', 'sendMessage', 'getConversations', 'getMessages', 'getUnreadCount', 'markRead',
    'getPendingMessages', 'retryPending', 'setTokenProvider'];
  var EVENTS = ['onLogin', 'onLogout', 'onConversationCreate', 'onMessageReceived', 'onUnread', 'onOpen', 'onClose',
    'onMessageSent', 'onConnectionChange'];

  var script = d.currentScript || d.querySelector('script[src*="kustomer-chat.js"]');
  var assets = new URL('.', script.src);
  var data = function (name) { return script.getAttribute('data-' + name); };
  var serverUrl = data('server-url') || new URL(script.src).origin;
  var apiKey = data('api-key');
  var config = {
    apiKey: apiKey,
    launcher: data('launcher') !== 'none',
    left: data('position') === 'left',
    color: data('color'),
    title: data('title') || 'Chat with us',
    greeting: data('greeting') || 'Hi! How can we help?',
  };

  var queue = [];
  var listeners = {};
  var failure = null;
  var booting = null;
  var kc = { __loader: true };

  function chatError(code, message) {
    var e = new Error(message);
    e.name = 'KustomerChatError';
    e.code = code;
    return e;
  }

  // Before the core runs, each call waits in the queue behind a real Promise, and
  // the first one is what fetches the core.
  METHODS.forEach(function (name) {
    kc[name] = function () {
      var args = arguments;
      var p = new Promise(function (resolve, reject) {
        if (failure) reject(failure);
        else queue.push([name, args, resolve, reject]);
      });
      boot();
      return p;
    };
  });
  // Asking for ready is asking for the core.
  Object.defineProperty(kc, 'ready', { enumerable: true, get: boot });

  kc.addListener = function (event, fn) {
    if (EVENTS.indexOf(event) < 0) throw chatError('INVALID_ARGUMENT', 'unknown event "' + event + '"; one of ' + EVENTS.join(', '));
    if (typeof fn !== 'function') throw chatError('INVALID_ARGUMENT', 'addListener(event, fn) needs fn to be a function');
    (listeners[event] = listeners[event] || []).push(fn);
    return function () { kc.removeListener(event, fn); };
  };
  kc.removeListener = function (event, fn) {
    var list = listeners[event] || [];
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };

  function emit(event, payload) {
    if (event === 'onUnread') setBadge(payload.total);
    // The panel's draft is the customer's too; the panel may never have been loaded here.
    if (event === 'onLogout') try { w.localStorage.removeItem('kustomer-chat:' + config.apiKey + ':draft'); } catch (e) { /* none kept */ }
    (listeners[event] || []).slice().forEach(function (fn) {
      try { fn(payload); } catch (e) { console.error('KustomerChat: an ' + event + ' listener threw', e); }
    });
  }

  function boot() {
    if (booting) return booting;
    booting = loadCore().then(install).then(function () {}, function (e) {
      failure = e && e.name === 'KustomerChatError' ? e : chatError('INTERNAL', 'the chat core failed to start: ' + e);
      queue.splice(0).forEach(function (c) { c[3](failure); });
      throw failure;
    });
    booting.catch(function () {}); // a page that never awaits ready gets no unhandled rejection
    return booting;
  }

  function unreachable(what) {
    return function (r) {
      if (r && r.ok) return r;
      throw chatError('NETWORK_ERROR', 'could not load the chat ' + what + (r ? ': HTTP ' + r.status : ': the chat service is unreachable'));
    };
  }

  // The core compiles while its JavaScript half (wasm_exec.js) arrives: two requests
  // in parallel, neither of which delays the page's load event.
  function loadCore() {
    if (typeof WebAssembly !== 'object' || !WebAssembly.compileStreaming) {
      return Promise.reject(chatError('INTERNAL', 'this browser cannot run WebAssembly'));
    }
    var compiled = WebAssembly.compileStreaming(fetch(new URL(CORE_WASM, assets)).then(unreachable('core'), unreachable('core')));
    var runtime = import(new URL(CORE_JS, assets).href).catch(unreachable('core'));
    return Promise.all([compiled, runtime]).then(function (r) {
      var go = new w.Go();
      return WebAssembly.instantiate(r[0], go.importObject).then(function (instance) {
        go.run(instance); // runs main until it waits for calls
        var core = w.__kustomerChatCore;
        if (!core) throw chatError('INTERNAL', 'the chat core did not start');
        return core;
      });
    });
  }

  function install(core) {
    METHODS.forEach(function (name) { kc[name] = core[name]; });
    kc.start = function (options) {
      try {
        var o = Object(options);
        config.apiKey = config.apiKey || o.apiKey; // names the panel's draft
        return core.start({ apiKey: o.apiKey, serverUrl: o.serverUrl || serverUrl, getToken: o.getToken }, emit);
      } catch (e) { // a hostile options object
        return Promise.reject(chatError('INVALID_ARGUMENT', 'start({ apiKey, serverUrl }) needs a plain options object'));
      }
    };
    var started = apiKey ? kc.start({ apiKey: apiKey }) : null;
    // Queued calls replay in call order; the core queues them synchronously.
    queue.splice(0).forEach(function (c) { kc[c[0]].apply(kc, c[1]).then(c[2], c[3]); });
    return started;
  }

  // The widget: a host element with an open shadow root, so that the page's CSS and
  // ours cannot touch each other, yet checkers and the site's tests can see inside.
  var host, root, launcher, launcherIcon, badge, ui, uiLoading;
  var CHAT_ICON = 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z';
  var COLLAPSE_ICON = 'M7.4 8.6 12 13.2l4.6-4.6L18 10l-6 6-6-6z';
  var visible = false;
  var shown = false;
  var unread = 0;

  function sheet(css) {
    var s = new CSSStyleSheet();
    s.replaceSync(css);
    return s;
  }

  function ensureHost() {
    if (host) return;
    host = d.createElement('kustomer-chat');
    root = host.attachShadow({ mode: 'open' });
    // A colour that is not one would let the attribute write CSS.
    var accent = config.color && w.CSS && CSS.supports('color', config.color) ? '--kc-accent:' + config.color + ';' : '';
    root.adoptedStyleSheets = [sheet(
      // !important inside the shadow tree beats the page's !important on the host.
      ':host{all:initial!important;position:fixed!important;z-index:2147483000!important;' +
      'bottom:0!important;' + (config.left ? 'left' : 'right') + ':0!important;width:0!important;height:0!important;' +
      'display:block!important;overflow:visible!important;' + accent + '}' +
      '.launcher{position:fixed;bottom:20px;' + (config.left ? 'left' : 'right') + ':20px;box-sizing:border-box;' +
      'width:56px;height:56px;margin:0;padding:0;border:0;border-radius:50%;cursor:pointer;' +
      'background:var(--kc-accent,#1f5fd1);color:var(--kc-accent-text,#fff);box-shadow:0 4px 14px rgba(0,0,0,.25);' +
      'display:flex;align-items:center;justify-content:center}' +
      '.launcher:focus-visible{outline:3px solid var(--kc-focus,var(--kc-accent,#1f5fd1));outline-offset:3px}' +
      '.launcher svg{width:28px;height:28px;fill:currentColor}' +
      '.badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;box-sizing:border-box;' +
      'border-radius:10px;background:#c62828;color:#fff;font:700 12px/20px system-ui,sans-serif;text-align:center}' +
      '.badge[hidden]{display:none}'
    )];
    if (config.launcher) {
      launcher = d.createElement('button');
      launcher.type = 'button';
      launcher.className = 'launcher';
      launcher.setAttribute('aria-expanded', 'false');
      launcher.setAttribute('aria-controls', 'kc-panel');
      var svg = d.createElementNS('http://www.w3.org/2000/svg', 'svg');
      var path = launcherIcon = d.createElementNS('http://www.w3.org/2000/svg', 'path');
      svg.setAttribute('viewBox', '0 0 24 24');
      svg.setAttribute('aria-hidden', 'true');
      path.setAttribute('d', CHAT_ICON);
      svg.appendChild(path);
      badge = d.createElement('span');
      badge.className = 'badge';
      badge.setAttribute('aria-hidden', 'true');
      launcher.append(svg, badge);
      launcher.addEventListener('click', function () { (visible ? kc.close() : kc.open()).catch(function () {}); });
      // The first sign of intent fetches what a chat needs, before the click.
      ['pointerenter', 'focus', 'touchstart'].forEach(function (type) {
        launcher.addEventListener(type, warm, { once: true, passive: true });
      });
      root.appendChild(launcher);
      setBadge(unread);
    }
    if (d.body) d.body.appendChild(host);
    else d.addEventListener('DOMContentLoaded', function () { d.body.appendChild(host); });
  }

  function setBadge(total) {
    unread = total > 0 ? total : 0;
    if (!launcher) return;
    badge.hidden = !unread;
    badge.textContent = unread > 99 ? '99+' : String(unread);
    launcher.setAttribute('aria-label', unread ? 'Open chat, ' + unread + ' unread message' + (unread > 1 ? 's' : '') : 'Open chat');
  }

  function warm() {
    boot();
    loadWidget().catch(function () {});
  }

  function loadWidget() {
    if (!uiLoading) {
      uiLoading = import(new URL(WIDGET_JS, assets).href).then(function (m) {
        ensureHost();
        ui = m.mount({ kc: kc, root: root, config: config, launcher: launcher });
        return ui;
      }, function () {
        uiLoading = null; // a later open may try again
        throw chatError('NETWORK_ERROR', 'could not load the chat widget: the chat service is unreachable');
      });
    }
    return uiLoading;
  }

  // Shows or hides the panel to match `visible`, announcing each real change once,
  // whoever asked for it.
  function reconcile() {
    if (!ui || shown === visible) return;
    shown = visible;
    if (launcher) {
      launcher.setAttribute('aria-expanded', String(shown));
      launcherIcon.setAttribute('d', shown ? COLLAPSE_ICON : CHAT_ICON);
    }
    if (shown) ui.show();
    else ui.hide();
    emit(shown ? 'onOpen' : 'onClose');
  }

  // open and close act at once, whatever the core is doing: a visitor's click must not
  // wait behind a logIn. isVisible reads the same state, so it always agrees with them.
  kc.open = function () {
    visible = true;
    ensureHost();
    boot();
    return loadWidget().then(reconcile, function (e) {
      visible = false;
      throw e;
    });
  };
  kc.close = function () {
    visible = false;
    reconcile();
    return Promise.resolve();
  };
  kc.isVisible = function () { return Promise.resolve(visible); };

  w.KustomerChat = kc;

  // A page that pasted the pre-load snippet has queued calls on its stub: replay them,
  // and forward what the stub still receives, for a page that kept a reference to it.
  function replay(c) {
    if (c[0] === 'ready') kc.ready.then(c[2], c[3]);
    else if (c[0] === 'addListener' || c[0] === 'removeListener') {
      try { kc[c[0]].apply(kc, c[1]); } catch (e) { console.error('KustomerChat:', e.message); }
    } else kc[c[0]].apply(kc, c[1]).then(c[2], c[3]);
  }
  if (prior && prior._q) {
    prior._q.splice(0).forEach(replay);
    prior._q.push = replay;
  }

  // The launcher is drawn after the page's load event: before it, any work of ours
  // would be the page's.
  if (config.launcher) afterLoad(ensureHost);

  // A returning visitor (this device holds the SDK's state) has a badge to keep live:
  // start the core once the page is idle after load. A first-time visitor pays nothing.
  function returning() {
    try { return !!apiKey && w.localStorage.getItem('kustomer-chat:' + apiKey) !== null; } catch (e) { return false; }
  }
  // afterLoad runs fn after the load event, outside its handlers: the page's own
  // load listeners come first.
  function afterLoad(fn) {
    if (d.readyState === 'complete') setTimeout(fn);
    else w.addEventListener('load', function () { setTimeout(fn); });
  }
  afterLoad(function () {
    if (!returning()) return;
    if (w.requestIdleCallback) w.requestIdleCallback(boot, { timeout: 3000 });
    else setTimeout(boot, 200); // Safari has no requestIdleCallback
  });
})(window, document);
