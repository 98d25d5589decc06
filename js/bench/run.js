// The SDK's benchmark: every figure of the core against the Go floor (wasm/floor,
// built and served beside it in the same run): sizes, start-up, call latency; logIn
// against a bare fetch; the tag's cost to a host page; memory; service throughput.
// Printed as a table (and written as JSON with --out).
//
//   node js/bench/run.js [--out FILE]   full run (after `make build`)
//   node js/bench/run.js --smoke        a quick pass proving the harness works
//
// The figures are the product: a complete run exits 0 even when a budget fails.
// It exits 1 when any figure is missing or not a number, so a harness broken by
// a change in the SDK cannot pass silently.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launchBrowser, startService, UNLIMITED } from '../test/harness.js';
import { measureCalls, measureLogIn, measureMemory } from './latency.js';
import { measureHost } from './host.js';
import { budgets, formatTable, missingFigures } from './report.js';
import { killChildren, measureScaleOut, measureService } from './service.js';
import { startBenchSite } from './site.js';
import { buildFloor, startFloorServer } from './floor.js';
import { DIST, distSizes } from './sizes.js';
import { measureStartup } from './startup.js';

const { values: opts } = parseArgs({ options: { smoke: { type: 'boolean', default: false }, out: { type: 'string' } } });

// Sample counts: the minimums for a full run; the smoke run only has to
// exercise every code path, inside make test's time.
const P = opts.smoke
  ? { startupRuns: 1, hostRuns: 2, idleMs: 500, calls: 200, rounds: 2, batch: 200, loginSamples: 3, memoryCalls: 500, memoryMoreCalls: 1000, memoryMostCalls: 2000, logins: 200, messages: 400, pacedMessages: 400, loadgenTimeoutMs: 45_000 }
  : { startupRuns: 15, hostRuns: 10, idleMs: 3000, calls: 5000, rounds: 10, batch: 2000, loginSamples: 30, memoryCalls: 10_000, memoryMoreCalls: 40_000, memoryMostCalls: 80_000, logins: 20_000, messages: 40_000, pacedMessages: 20_000, loadgenTimeoutMs: 300_000 };

const results = {
  meta: { mode: opts.smoke ? 'smoke' : 'full', date: new Date().toISOString(), params: P, chromium: 'chromium ?', go: goVersion() },
  sizes: {}, problems: [],
};

// Whatever is started is closed here, in reverse order, also on Ctrl-C, so no
// service or browser outlives the run.
const cleanups = [];
let interrupted = false;
async function cleanup() {
  killChildren();
  while (cleanups.length) {
    try { await cleanups.pop()(); } catch (e) { console.error('bench: cleanup:', e.message); }
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true; // no stage may start a service after this
    cleanup().finally(() => process.exit(130));
  });
}

// stage runs one measurement; a failure is reported and the run carries on, so
// one broken part still leaves the other figures (and the exit status says so).
async function stage(name, fn) {
  const t = Date.now();
  try {
    if (interrupted) throw new Error('interrupted');
    const r = await fn();
    console.error(`bench: ${name} done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return r;
  } catch (e) {
    console.error(`bench: ${name} FAILED: ${e.message}`);
    results.problems.push({ stage: name, error: e.message.split('\n')[0] });
    return undefined;
  }
}

function goVersion() {
  try { return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim(); } catch { return 'go ?'; }
}

try {
  const dist = await stage('sizes of web/internal/sdkassets/dist', () => distSizes());
  // Alone: brotli at quality 11 keeps a core busy for seconds.
  const floorWasm = await stage('build and compress wasm/floor', buildFloor);
  Object.assign(results.sizes, dist ?? {});
  if (floorWasm) results.sizes.floor = { raw: floorWasm.raw.length, gzip: floorWasm.gzip.length, brotli: floorWasm.brotli.length };
  if (dist && floorWasm) {
    results.sizes.wasmBrOverFloorBr = dist.wasm.brotli / floorWasm.brotli.length;
    results.sizes.wasmRawOverFloorRaw = dist.wasm.raw / floorWasm.raw.length;
  }

  // The browser stages share one service and one site; each stage opens its own
  // browser contexts.
  const env = floorWasm && dist && await stage('start service, floor, site and Chromium', async () => {
    const service = await startService({ args: UNLIMITED });
    cleanups.push(() => service.close());
    // The floor gets the build's wasm_exec.js, as served: the same Go made both.
    const wasmExec = join(DIST, dist.wasmExec.files[0]);
    const floor = await startFloorServer({
      wasm: floorWasm,
      wasmExec: { raw: readFileSync(wasmExec), brotli: readFileSync(`${wasmExec}.br`) },
    });
    cleanups.push(() => floor.close());
    const site = await startBenchSite(service, floor);
    cleanups.push(() => site.close());
    const browser = await launchBrowser();
    cleanups.push(() => browser.close());
    results.meta.chromium = `chromium ${browser.version()}`;
    return { service, floor, site, browser };
  });
  if (env) {
    const { service, floor, site, browser } = env;
    results.startup = await stage('start-up', () => measureStartup(browser, service, floor, site, { runs: P.startupRuns }));
    results.host = await stage('host page cost', () => measureHost(browser, service, site, { runs: P.hostRuns, idleMs: P.idleMs }));
    results.calls = await stage('call latency', () => measureCalls(browser, site, { calls: P.calls, rounds: P.rounds, batch: P.batch }));
    results.login = await stage('logIn round trip', () => measureLogIn(browser, service, site, { samples: P.loginSamples }));
    results.memory = await stage('memory', () => measureMemory(browser, site, { calls: P.memoryCalls, moreCalls: P.memoryMoreCalls, mostCalls: P.memoryMostCalls }));
  }
  await cleanup(); // the loadgen gets the machine to itself

  const counts = { logins: P.logins, messages: P.messages, pacedMessages: P.pacedMessages, concurrency: 32, timeoutMs: P.loadgenTimeoutMs };
  results.service = await stage('service throughput, SQLite', () => measureService({ ...counts, onClose: (close) => cleanups.push(close) }));
  await cleanup();
  results.scaleOut = await stage('service throughput, PostgreSQL + NATS, two instances', async () => {
    try {
      return await measureScaleOut({ ...counts, onClose: (close) => cleanups.push(close) });
    } catch (e) {
      // As the tests on PostgreSQL do: skipped where it cannot run, unless CI=true.
      if (e.unavailable && process.env.CI !== 'true') return { skipped: e.message };
      throw e;
    }
  });
} finally {
  await cleanup();
}

results.budgets = budgets(results);
results.missing = missingFigures(results);
console.log(formatTable(results));
if (opts.out) {
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  console.error(`bench: wrote ${opts.out}`);
}
if (results.missing.length) {
  console.error(`bench: ${results.missing.length} figure(s) missing; see above`);
  process.exitCode = 1;
}
