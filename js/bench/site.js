// The host site of the benchmark and the probes it installs in pages.
//
// The markup is the same as js/test/harness.js's startSite, but this server can
// also serve the page without the script tag (the baseline of the load-event
// delay must be the same page from the same server) and with cross-origin
// isolation headers (see latency.js).
import { createServer } from 'node:http';
import { API_KEY } from '../test/harness.js';

const HOST_BODY = `<header><h1>A host site</h1><nav><a href="#a">Products</a> <a href="#b">About</a></nav></header>
<main>${Array.from({ length: 8 }, (_, i) => `<h2 id="s${i}">Section ${i + 1}</h2><p>${'The quick brown fox jumps over the lazy dog. '.repeat(12)}</p>`).join('')}</main>
<footer><p>Footer text at the end of the page.</p></footer>`;

export async function startBenchSite(service) {
  const pages = new Map();
  const server = createServer((req, res) => {
    const p = pages.get(new URL(req.url, 'http://x').pathname);
    if (!p) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...p.headers }).end(p.html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let n = 0;
  return {
    origin,
    // page({ tag: false }) is the same page without the SDK; tag: 'floor' puts in its
    // place an async script tag of the same service that loads nothing (its /v1/ping),
    // the cost of any third-party script tag; isolated adds
    // COOP/COEP so that performance.now() ticks in 5 µs instead of 100 µs.
    // credentialless (not require-corp) keeps the cross-origin loader and the
    // service's CORS responses loading unchanged.
    // host gives the page a body of text, as a site's article page has, so that
    // anything the tag pushed around would register as a layout shift.
    page({ tag = true, isolated = false, host = false } = {}) {
      const path = `/page-${++n}.html`;
      const src = tag === 'floor' ? `${service.url}/v1/ping` : `${service.url}/sdk/kustomer-chat.js" data-api-key="${API_KEY}`;
      const script = tag ? `<script src="${src}" async></script>` : '';
      const headers = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'credentialless' } : {};
      pages.set(path, { headers, html: `<!doctype html><html><head><meta charset="utf-8">${script}</head><body>${host ? HOST_BODY : 'site'}</body></html>` });
      return origin + path;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// readyProbe runs before the page's scripts (context.addInitScript) and notes
// performance.now() — milliseconds since the navigation started — in the
// microtask in which KustomerChat.ready resolves: an evaluate() from Node after
// the fact would run later than that. It watches the assignment of the global
// through an accessor, so the loader runs unchanged.
export function readyProbe() {
  let kc;
  Object.defineProperty(window, 'KustomerChat', {
    configurable: true,
    enumerable: true,
    get: () => kc,
    set(v) {
      kc = v;
      if (!window.__kcReady && v && v.ready && typeof v.ready.then === 'function') {
        window.__kcReady = v.ready.then(() => performance.now());
      }
    },
  });
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

// sdkResponses records the responses a page gets from the service's /sdk/.
// take() hands over (and forgets) the responses seen so far: the URL's file
// name, the HTTP status, the content encoding, whether the HTTP cache served
// it, and the body bytes that crossed the network as Chromium counts them
// (encoded, i.e. brotli bytes for a br response). Playwright derives the body
// size as encodedDataLength minus the headers, which is negative for a cache
// hit (nothing crossed the network): that is 0 bytes here.
export function sdkResponses(page, service) {
  let seen = [];
  const sdk = new URL('/sdk/', service.url).href;
  page.on('response', (r) => { if (r.url().startsWith(sdk)) seen.push(r); });
  return {
    async take() {
      const now = seen;
      seen = [];
      return Promise.all(now.map(async (r) => {
        const body = (await r.request().sizes()).responseBodySize;
        return {
          file: r.url().slice(sdk.length).split('?')[0],
          status: r.status(),
          encoding: (await r.allHeaders())['content-encoding'] || 'identity',
          fromCache: body <= 0,
          bytes: Math.max(0, body),
        };
      }));
    },
  };
}
