/*! Kustomer Chat SDK loader. <script src=".../sdk/kustomer-chat.js" data-api-key="..." async></script> */
(function (w, d) {
  'use strict';
  // Included twice: the first copy owns the global and the core loads once.
  if (w.KustomerChat && w.KustomerChat.__loader) return;

  var METHODS = ['start', 'logIn', 'isLoggedIn', 'logOut', 'logOutThenLogIn', 'getIdentity',
    'createConversation', 'sendMessage', 'getConversations', 'getMessages', 'getUnreadCount', 'markRead'];
  var EVENTS = ['onLogin', 'onLogout', 'onConversationCreate', 'onMessageReceived', 'onUnread', 'onOpen', 'onClose'];

  var script = d.currentScript || d.querySelector('script[src*="kustomer-chat.js"]');
  var assets = new URL('.', script.src);
  var serverUrl = script.getAttribute('data-server-url') || new URL(script.src).origin;
  var apiKey = script.getAttribute('data-api-key');

  var queue = [];
  var listeners = {};
  var failure = null;
  var kc = { __loader: true };

  function chatError(code, message) {
    var e = new Error(message);
    e.name = 'KustomerChatError';
    e.code = code;
    return e;
  }

  // Before the core runs, each call waits in the queue behind a real Promise.
  METHODS.forEach(function (name) {
    kc[name] = function () {
      var args = arguments;
      return new Promise(function (resolve, reject) {
        if (failure) reject(failure);
        else queue.push([name, args, resolve, reject]);
      });
    };
  });

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
    (listeners[event] || []).slice().forEach(function (fn) {
      try { fn(payload); } catch (e) { console.error('KustomerChat: an ' + event + ' listener threw', e); }
    });
  }

  function boot() {
    if (typeof WebAssembly !== 'object' || !WebAssembly.instantiateStreaming) {
      return Promise.reject(chatError('INTERNAL', 'this browser cannot run WebAssembly'));
    }
    // The build puts wasm_exec.js (which defines Go) before this loader and renames
    // kustomer-chat.wasm to its content-hashed name.
    var wasm = fetch(new URL('kustomer-chat.wasm', assets)).then(function (r) {
      if (!r.ok) throw chatError('NETWORK_ERROR', 'could not load the chat core: HTTP ' + r.status);
      return r;
    }, function () {
      throw chatError('NETWORK_ERROR', 'could not load the chat core: the chat service is unreachable');
    });
    var go = new w.Go();
    return WebAssembly.instantiateStreaming(wasm, go.importObject).then(function (result) {
      go.run(result.instance); // runs main until it waits for calls
      var core = w.__kustomerChatCore;
      if (!core) throw chatError('INTERNAL', 'the chat core did not start');
      return core;
    });
  }

  function install(core) {
    METHODS.forEach(function (name) { kc[name] = core[name]; });
    kc.start = function (options) {
      try {
        var o = Object(options);
        return core.start({ apiKey: o.apiKey, serverUrl: o.serverUrl || serverUrl }, emit);
      } catch (e) { // a hostile options object
        return Promise.reject(chatError('INVALID_ARGUMENT', 'start({ apiKey, serverUrl }) needs a plain options object'));
      }
    };
    var started = apiKey ? kc.start({ apiKey: apiKey }) : null;
    // Queued calls replay in call order; the core queues them synchronously.
    queue.splice(0).forEach(function (c) { kc[c[0]].apply(kc, c[1]).then(c[2], c[3]); });
    return started;
  }

  kc.ready = boot().then(install).then(function () {}, function (e) {
    failure = e && e.name === 'KustomerChatError' ? e : chatError('INTERNAL', 'the chat core failed to start: ' + e);
    queue.splice(0).forEach(function (c) { c[3](failure); });
    throw failure;
  });
  kc.ready.catch(function () {}); // a page that never awaits ready gets no unhandled rejection

  w.KustomerChat = kc;
})(window, document);
