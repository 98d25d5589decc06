// In-page latencies: a local call into the core against the Go floor's call,
// logIn against a bare fetch to the same service, and the core's linear memory.
import { openPage, signToken } from '../test/harness.js';
import { instanceProbe } from './site.js';
import { mean, median, percentile } from './stats.js';

// measureCalls compares isLoggedIn (answered locally) with the floor's one call (a
// js.FuncOf returning a resolved Promise), both loaded in the same page, in two
// ways. Batches: `rounds` times, `batch` sequential awaited calls of each in turn,
// timed as a whole, so the mean per call includes the garbage collections the
// calls cause. Per call: `calls` of each, one timestamp pair per call, for the
// median and p99.
//
// The page is cross-origin isolated: without isolation Chromium rounds
// performance.now() to 100 µs, coarser than one call.
export async function measureCalls(browser, site, { calls, rounds, batch }) {
  const context = await browser.newContext();
  try {
    const page = await openPage(context, site.page({ tags: ['core', 'floor'], isolated: true }));
    const r = await page.evaluate(async ({ calls, rounds, batch }) => {
      await KustomerChatFloor.ready;
      const fns = {
        isLoggedIn: () => KustomerChat.isLoggedIn('email', 'nobody@example.com'),
        // With the same arguments: any Go function that takes them pays for their
        // crossing into Go (a js.Value each), which is not the core's doing.
        floor: () => window.__kustomerChatFloor('email', 'nobody@example.com'),
      };
      // Warm up both paths (JIT, the programs' first-call allocations).
      for (let i = 0; i < 1000; i++) { await fns.isLoggedIn(); await fns.floor(); }
      const out = { isolated: self.crossOriginIsolated };
      for (const [name, fn] of Object.entries(fns)) {
        const samples = new Float64Array(calls);
        for (let i = 0; i < calls; i++) {
          const t = performance.now();
          await fn();
          samples[i] = performance.now() - t;
        }
        out[name] = { perCall: Array.from(samples), batchMs: 0 };
      }
      for (let b = 0; b < rounds; b++) {
        for (const [name, fn] of Object.entries(fns)) {
          const t = performance.now();
          for (let i = 0; i < batch; i++) await fn();
          out[name].batchMs += performance.now() - t;
        }
      }
      // The timer's resolution: the smallest step performance.now() takes.
      let tick = Infinity;
      for (let i = 0, prev = performance.now(); i < 100000; i++) {
        const t = performance.now();
        if (t > prev) { tick = Math.min(tick, t - prev); prev = t; }
      }
      out.tick = tick;
      return out;
    }, { calls, rounds, batch });
    if (!r.isolated) console.error('bench: the latency page is not cross-origin isolated; per-call times are rounded to 100 µs');
    const toUs = (ms) => ms * 1000;
    const figures = (x) => ({
      batchMeanUs: toUs(x.batchMs / (rounds * batch)),
      medianUs: toUs(median(x.perCall)),
      p99Us: toUs(percentile(x.perCall, 99)),
      meanUs: toUs(mean(x.perCall)),
      maxUs: toUs(Math.max(...x.perCall)),
    });
    const isLoggedIn = figures(r.isLoggedIn);
    const floor = figures(r.floor);
    return {
      calls,
      batchCalls: rounds * batch,
      timerResolutionUs: toUs(r.tick),
      crossOriginIsolated: r.isolated,
      isLoggedIn,
      floor,
      ratio: isLoggedIn.batchMeanUs / floor.batchMeanUs,
      medianRatio: isLoggedIn.medianUs / floor.medianUs,
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

// measureMemory reads the size of the core's WebAssembly memory after ready, and
// after `calls`, `moreCalls` and `mostCalls` local calls in all (isLoggedIn and
// getIdentity alternately). Linear memory never shrinks: each figure is the
// high-water mark so far. The Go heap settles within the first tens of thousands
// of calls; a core that does not leak then stays flat between the last two.
export async function measureMemory(browser, site, { calls, moreCalls, mostCalls }) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(instanceProbe);
    const page = await openPage(context, site.page());
    return await page.evaluate(async ({ calls, moreCalls, mostCalls }) => {
      const mem = () => {
        if (!window.__kcInstance) throw new Error('did not catch the core\'s WebAssembly instance (instantiateStreaming/instantiate not used?)');
        return window.__kcInstance.exports.mem.buffer.byteLength;
      };
      const run = async (from, to) => {
        for (let i = from; i < to; i++) {
          if (i % 2) await KustomerChat.getIdentity();
          else await KustomerChat.isLoggedIn('email', 'nobody@example.com');
        }
      };
      const afterReadyBytes = mem();
      await run(0, calls);
      const afterCallsBytes = mem();
      await run(calls, moreCalls);
      const afterMoreCallsBytes = mem();
      await run(moreCalls, mostCalls);
      return { calls, moreCalls, mostCalls, afterReadyBytes, afterCallsBytes, afterMoreCallsBytes, afterMostCallsBytes: mem() };
    }, { calls, moreCalls, mostCalls });
  } finally {
    await context.close();
  }
}
