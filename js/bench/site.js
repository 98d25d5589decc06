// The host site of the benchmark (the test harness's site server) and the probes
// it installs in pages.
import { startSite } from '../test/harness.js';

const HOST_BODY = `<header><h1>A host site</h1><nav><a href="#a">Products</a> <a href="#b">About</a></nav></header>
<main>${Array.from({ length: 8 }, (_, i) => `<h2 id="s${i}">Section ${i + 1}</h2><p>${'The quick brown fox jumps over the lazy dog. '.repeat(12)}</p>`).join('')}</main>
<footer><p>Footer text at the end of the page.</p></footer>`;

// COOP/COEP make the page cross-origin isolated, so that performance.now() ticks in
// 5 µs instead of 100 µs. credentialless (not require-corp) keeps the cross-origin
// scripts and the service's CORS responses loading unchanged.
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'credentialless' };

export async function startBenchSite(service, floor) {
  const site = await startSite(service);
  const src = {
    // The Go floor's loader (floor.js).
    floor: floor.loaderUrl,
    // An async script tag of the same service that loads nothing (its /v1/ping): the
    // cost of any third-party script tag.
    empty: `${service.url}/v1/ping`,
  };
  return {
    origin: site.origin,
    // page({ tags }) embeds, as async script tags, the SDK's loader ('core') and any
    // of src above; none for the same page without the SDK. isolated: see ISOLATED.
    // host gives the page a body of text, as a site's article page has, so that
    // anything the tag pushed around would register as a layout shift.
    page({ tags = ['core'], isolated = false, host = false } = {}) {
      const head = tags.filter((t) => t !== 'core').map((t) => `<script src="${src[t]}" async></script>`).join('');
      return site.page({ head, loader: tags.includes('core'), body: host ? HOST_BODY : undefined, headers: isolated ? ISOLATED : {} });
    },
    close: site.close,
  };
}

// readyProbe runs before the page's scripts (context.addInitScript) and, when the
// script tag that defines window[global] (KustomerChat, KustomerChatFloor) has
// loaded, reads its ready, which is what starts the program: both the core and the
// floor are timed from when the page asks for them. It notes performance.now()
// (milliseconds since the navigation started) then and in the microtask in which
// ready resolves: an evaluate() from Node after the fact would run later than that.
export function readyProbe(global) {
  document.addEventListener('load', (e) => {
    const api = window[global];
    if (window.__ready || !(e.target instanceof HTMLScriptElement) || !api) return;
    const askedMs = performance.now();
    window.__ready = api.ready.then(() => ({ askedMs, readyMs: performance.now() }));
  }, true);
}

// instanceProbe keeps the WebAssembly instance the loader creates in
// window.__kcInstance, so the benchmark can read the size of its linear memory
// (exports.mem) without a hook in the product.
export function instanceProbe() {
  const keep = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result && result.instance;
    if (instance && instance.exports.mem instanceof WebAssembly.Memory) window.__kcInstance = instance;
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  const instantiate = WebAssembly.instantiate;
  if (streaming) WebAssembly.instantiateStreaming = function (...args) { return streaming.apply(this, args).then(keep); };
  WebAssembly.instantiate = function (...args) { return instantiate.apply(this, args).then(keep); };
}

// responses records the responses a page gets from under base (the service's
// /sdk/, the floor's /floor/). take() hands over (and forgets) the responses seen
// so far: the URL's file name, the HTTP status, the content encoding, whether the
// HTTP cache served it, and the body bytes that crossed the network as Chromium counts them
// (encoded, i.e. brotli bytes for a br response). Playwright derives the body
// size as encodedDataLength minus the headers, which is negative for a cache
// hit (nothing crossed the network): that is 0 bytes here.
export function responses(page, base) {
  let seen = [];
  page.on('response', (r) => { if (r.url().startsWith(base)) seen.push(r); });
  return {
    async take() {
      const now = seen;
      seen = [];
      return Promise.all(now.map(async (r) => {
        const body = (await r.request().sizes()).responseBodySize;
        return {
          file: r.url().slice(base.length).split('?')[0],
          status: r.status(),
          encoding: (await r.allHeaders())['content-encoding'] || 'identity',
          fromCache: body <= 0,
          bytes: Math.max(0, body),
        };
      }));
    },
  };
}
