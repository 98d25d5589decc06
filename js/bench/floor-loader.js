// The floor's loader: what js/kustomer-chat.js does to start the core (compile the
// .wasm while wasm_exec.js arrives, instantiate, run main), and nothing else.
// Reading KustomerChatFloor.ready starts it, as reading KustomerChat.ready starts the
// core; it resolves once main has registered its global. floor.js names the two
// files by their content-hashed names when it serves this file.
(function (w) {
  'use strict';
  var assets = new URL('.', document.currentScript.src);
  var booting = null;
  function boot() {
    if (booting) return booting;
    var compiled = WebAssembly.compileStreaming(fetch(new URL('FLOOR_WASM', assets)));
    var runtime = import(new URL('FLOOR_JS', assets).href);
    booting = Promise.all([compiled, runtime]).then(function (r) {
      var go = new w.Go();
      return WebAssembly.instantiate(r[0], go.importObject).then(function (instance) {
        go.run(instance);
        if (!w.__kustomerChatFloor) throw new Error('the floor did not start');
      });
    });
    return booting;
  }
  w.KustomerChatFloor = Object.defineProperty({}, 'ready', { enumerable: true, get: boot });
})(window);
