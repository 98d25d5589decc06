// In-page latencies: a local call into the core against a plain Promise, logIn
// against a bare fetch to the same service, and the core's linear memory.
import { openPage, signToken } from '../test/harness.js';
import { instanceProbe } from './site.js';
import { mean, median, percentile } from './stats.js';

// measureCalls times `calls` sequential awaited isLoggedIn calls (answered
// locally) and as many calls of a plain function returning
// Promise.resolve(false), in the same page, one timestamp pair per call.
//
// The page is cross-origin isolated: without isolation Chromium rounds
// performance.now() to 100 µs, coarser than an isLoggedIn call. Even at 5 µs a
// single plain call (well under 1 µs) reads as 0 or 5 µs, so its typical cost
// is also measured as the median of the means of batches of 1,000 calls, and
// the ratio divides by that; a rare pause in one batch cannot move a median.
export async function measureCalls(browser, site, { calls, plainBatches }) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context, site.page({ isolated: true }));
    const r = await page.evaluate(async ({ calls, plainBatches }) => {
      const isLoggedIn = () => KustomerChat.isLoggedIn('email', 'nobody@example.com');
      const plain = () => Promise.resolve(false);
      const perCall = async (fn) => {
        const samples = new Float64Array(calls);
        for (let i = 0; i < calls; i++) {
          const t = performance.now();
          await fn();
          samples[i] = performance.now() - t;
        }
        return Array.from(samples);
      };
      // Warm up both paths (JIT, the core's first-call allocations).
      for (let i = 0; i < 200; i++) { await isLoggedIn(); await plain(); }
      const core = await perCall(isLoggedIn);
      const js = await perCall(plain);
      const batches = [];
      for (let b = 0; b < plainBatches; b++) {
        const t = performance.now();
        for (let i = 0; i < 1000; i++) await plain();
        batches.push((performance.now() - t) / 1000);
      }
      // The timer's resolution: the smallest step performance.now() takes.
      let tick = Infinity;
      for (let i = 0, prev = performance.now(); i < 100000; i++) {
        const t = performance.now();
        if (t > prev) { tick = Math.min(tick, t - prev); prev = t; }
      }
      return { isolated: self.crossOriginIsolated, tick, core, js, batches };
    }, { calls, plainBatches });
    if (!r.isolated) console.error('bench: the latency page is not cross-origin isolated; per-call times are rounded to 100 µs');
    const toUs = (ms) => ms * 1000;
    const isLoggedIn = {
      medianUs: toUs(median(r.core)),
      p99Us: toUs(percentile(r.core, 99)),
      meanUs: toUs(mean(r.core)),
      maxUs: toUs(Math.max(...r.core)),
    };
    const plain = {
      medianUs: toUs(median(r.js)),
      p99Us: toUs(percentile(r.js, 99)),
      meanUs: toUs(mean(r.js)),
      batchMedianUs: toUs(median(r.batches)),
    };
    return {
      calls,
      timerResolutionUs: toUs(r.tick),
      crossOriginIsolated: r.isolated,
      isLoggedIn,
      plain,
      ratio: isLoggedIn.medianUs / plain.batchMedianUs,
    };
  } finally {
    await context.close();
  }
}

// measureLogIn compares a logIn round trip with a bare fetch of GET /v1/ping from
// the same page. logIn as the customer already logged in would answer locally,
// so every sample logs out first (untimed) and logs in a customer it has not
// seen, with a token signed here beforehand (signing is the site backend's cost,
// not the SDK's). One untimed round of each first fills the CORS preflight cache
// and opens the connections.
export async function measureLogIn(browser, service, site, { samples }) {
  const run = `${Date.now().toString(36)}-${process.pid}`;
  const tokens = await Promise.all(Array.from({ length: samples + 1 }, (_, i) => signToken({ email: `bench-${run}-${i}@example.com` })));
  const context = await browser.newContext();
  try {
    const page = await openPage(context, site.page());
    const r = await page.evaluate(async ({ tokens, pingUrl }) => {
      const ping = async () => {
        const res = await fetch(pingUrl);
        if (res.status !== 204) throw new Error(`GET /v1/ping: HTTP ${res.status}`);
      };
      await KustomerChat.logIn(tokens[0]);
      await ping();
      const logIn = [];
      const pings = [];
      // The ping goes right after logOut, when the page is quiet: right after a logIn
      // the new session's event poller is still making its first request.
      for (let i = 1; i < tokens.length; i++) {
        await KustomerChat.logOut();
        let t = performance.now();
        await ping();
        pings.push(performance.now() - t);
        t = performance.now();
        const identity = await KustomerChat.logIn(tokens[i]);
        logIn.push(performance.now() - t);
        if (!identity || !identity.verified) throw new Error('logIn resolved without a verified identity');
      }
      return { logIn, pings };
    }, { tokens, pingUrl: `${service.url}/v1/ping` });
    const logInMs = median(r.logIn);
    const pingMs = median(r.pings);
    return { samples, logInMs, pingMs, ratio: logInMs / pingMs, samplesMs: r };
  } finally {
    await context.close();
  }
}

// measureMemory reads the size of the core's WebAssembly memory after ready and
// after `calls` local calls (isLoggedIn and getIdentity alternately). Linear
// memory never shrinks, so the second figure is the high-water mark.
export async function measureMemory(browser, site, { calls }) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(instanceProbe);
    const page = await openPage(context, site.page());
    return await page.evaluate(async (calls) => {
      const mem = () => {
        if (!window.__kcInstance) throw new Error('did not catch the core\'s WebAssembly instance (instantiateStreaming/instantiate not used?)');
        return window.__kcInstance.exports.mem.buffer.byteLength;
      };
      const afterReady = mem();
      for (let i = 0; i < calls; i++) {
        if (i % 2) await KustomerChat.getIdentity();
        else await KustomerChat.isLoggedIn('email', 'nobody@example.com');
      }
      return { calls, afterReadyBytes: afterReady, afterCallsBytes: mem() };
    }, calls);
  } finally {
    await context.close();
  }
}
