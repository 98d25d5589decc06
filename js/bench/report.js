// The figures every complete run must have, the budgets, and the printed table.

import { RATE } from './service.js';

const KB = 1024;
const MB = 1024 * KB;

// get reads a dotted path ("sizes.wasm.brotli") from the results.
const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

// Every figure the issues ask for. The build makes four downloads: the loader (with
// the launcher), the panel, the core and its wasm_exec.js; each must be measured.
const REQUIRED = [
  'sizes.wasm.raw', 'sizes.wasm.gzip', 'sizes.wasm.brotli',
  'sizes.loader.raw', 'sizes.loader.gzip', 'sizes.loader.brotli',
  'sizes.widget.raw', 'sizes.widget.gzip', 'sizes.widget.brotli',
  'sizes.wasmExec.raw', 'sizes.wasmExec.gzip', 'sizes.wasmExec.brotli',
  'sizes.floor.raw', 'sizes.floor.gzip', 'sizes.floor.brotli', 'sizes.wasmBrOverFloorBr', 'sizes.wasmRawOverFloorRaw',
  'startup.firstVisit.bytes', 'startup.floorFirstVisit.bytes',
  'startup.cold.core.fromAskMs', 'startup.cold.floor.fromAskMs', 'startup.cold.ratio',
  'startup.warm.core.fromAskMs', 'startup.warm.floor.fromAskMs', 'startup.warm.ratio',
  'startup.cold.core.fromNavigationMs', 'startup.warm.core.fromNavigationMs',
  'host.neverChats.bytes', 'host.neverChats.wasmFiles', 'host.neverChats.otherFiles', 'host.neverChats.apiRequests',
  'host.loadEventWithTagMs', 'host.loadEventWithoutTagMs', 'host.loadEventDelayMs', 'host.loadEventNoiseMs',
  'host.loadEventFloorTagMs', 'host.loadEventDelayOverFloorMs',
  'host.layoutShift',
  'calls.isLoggedIn.batchMeanUs', 'calls.isLoggedIn.medianUs', 'calls.isLoggedIn.p99Us',
  'calls.floor.batchMeanUs', 'calls.floor.medianUs', 'calls.floor.p99Us', 'calls.ratio',
  'login.logInMs', 'login.pingMs', 'login.ratio',
  'service.logins.perSec', 'service.logins.p50Ms', 'service.logins.p99Ms', 'service.logins.errors',
  'service.messages.perSec', 'service.messages.p50Ms', 'service.messages.p99Ms', 'service.messages.errors',
  'service.delivery.p50Ms', 'service.delivery.p99Ms', 'service.delivery.missing',
  'service.paced.messages.perSec', 'service.paced.delivery.p50Ms', 'service.paced.delivery.p99Ms', 'service.paced.delivery.missing',
  'memory.afterReadyBytes', 'memory.afterCallsBytes', 'memory.afterMoreCallsBytes', 'memory.afterMostCallsBytes',
];
// The service's figures again for two instances on PostgreSQL + NATS, where
// PostgreSQL can run (run.js records why not, as scaleOut.skipped).
const SCALE_OUT = REQUIRED.filter((p) => p.startsWith('service.')).map((p) => p.replace(/^service\./, 'scaleOut.'));

// missingFigures lists the figures that are absent or not finite numbers.
export function missingFigures(results) {
  const required = results.scaleOut?.skipped ? REQUIRED : [...REQUIRED, ...SCALE_OUT];
  return required.filter((p) => !Number.isFinite(get(results, p)));
}

// problems counts a service run's failed requests and missing events.
const problems = (s) => ['logins.errors', 'messages.errors', 'delivery.missing', 'paced.logins.errors', 'paced.messages.errors', 'paced.delivery.missing']
  .reduce((n, p) => n + (get(s, p) ?? NaN), 0);

// budgets: the core's costs as ratios to the Go floor, or to a bare fetch,
// measured in the same run (issue 11), and the widget's and the service's own.
export function budgets(results) {
  const line = (name, figure, op, limit, unit) => {
    const known = Number.isFinite(figure) && Number.isFinite(limit);
    const pass = known && (op === '<=' ? figure <= limit : op === '>=' ? figure >= limit : figure < limit);
    return { name, figure: known ? figure : null, op, limit: Number.isFinite(limit) ? limit : null, unit, status: known ? (pass ? 'PASS' : 'FAIL') : 'MISSING' };
  };
  const memory = results.memory || {};
  return [
    line('core brotli / floor brotli <= 1.5', get(results, 'sizes.wasmBrOverFloorBr'), '<=', 1.5, 'x'),
    line('ready cold: core / floor (median) <= 1.2', get(results, 'startup.cold.ratio'), '<=', 1.2, 'x'),
    line('ready warm: core / floor (median) <= 1.2', get(results, 'startup.warm.ratio'), '<=', 1.2, 'x'),
    line('isLoggedIn / floor call (batch mean) <= 1.3', get(results, 'calls.ratio'), '<=', 1.3, 'x'),
    line('logIn / bare fetch (median) <= 1.5', get(results, 'login.ratio'), '<=', 1.5, 'x'),
    line(`memory after ${int(memory.calls)} calls <= 12 MB`, memory.afterCallsBytes, '<=', 12 * MB, 'B'),
    line(`memory growth from ${int(memory.moreCalls)} to ${int(memory.mostCalls)} calls = 0`, memory.afterMostCallsBytes - memory.afterMoreCallsBytes, '<=', 0, 'B'),
    line('loader + launcher brotli <= 8 KB', get(results, 'sizes.loader.brotli'), '<=', 8 * KB, 'B'),
    line('widget (chat panel) brotli <= 25 KB', get(results, 'sizes.widget.brotli'), '<=', 25 * KB, 'B'),
    line('never chats: bytes downloaded <= 8 KB', get(results, 'host.neverChats.bytes'), '<=', 8 * KB, 'B'),
    line('never chats: files besides the loader (no .wasm)', get(results, 'host.neverChats.otherFiles'), '<=', 0, 'files'),
    line('host load-event delay <= noise (IQR without tag)', get(results, 'host.loadEventDelayMs'), '<=', get(results, 'host.loadEventNoiseMs'), 'ms'),
    line('load-event delay over an empty async tag <= noise', get(results, 'host.loadEventDelayOverFloorMs'), '<=', get(results, 'host.loadEventNoiseMs'), 'ms'),
    line('layout shift with the tag = 0', get(results, 'host.layoutShift'), '<=', 0, ''),
    line('service logins/s >= 2,000', get(results, 'service.logins.perSec'), '>=', 2000, '/s'),
    line('service messages/s >= 5,000', get(results, 'service.messages.perSec'), '>=', 5000, '/s'),
    line('service login p99 < 50 ms', get(results, 'service.logins.p99Ms'), '<', 50, 'ms'),
    line('service message p99 < 50 ms', get(results, 'service.messages.p99Ms'), '<', 50, 'ms'),
    line('SQLite: no failed request or missing event', problems(results.service), '<=', 0, ''),
    line(`scale-out: paced run keeps ${int(RATE)} messages/s`, get(results, 'scaleOut.paced.messages.perSec'), '>=', RATE * 0.95, '/s'),
    line(`scale-out: cross-instance delivery p99 at ${int(RATE)}/s < 100 ms`, get(results, 'scaleOut.paced.delivery.p99Ms'), '<', 100, 'ms'),
    line('scale-out: no failed request or missing event', problems(results.scaleOut), '<=', 0, ''),
  ].filter((b) => !(results.scaleOut?.skipped && b.name.startsWith('scale-out')));
}

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const dec = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '—');
const wide = (label, a, b) => `  ${label.padEnd(46)}${String(a).padStart(16)}${String(b).padStart(16)}`;
const row = (label, ...cols) => `  ${label.padEnd(46)}${cols.map((c) => String(c).padStart(12)).join('')}`.trimEnd();

export function formatTable(results) {
  const { meta, sizes = {}, startup = {}, host = {}, calls = {}, login = {}, service = {}, memory = {} } = results;
  const out = [];
  out.push(`Kustomer Chat SDK benchmark — ${meta.mode} run, ${meta.date}`);
  out.push(`  ${meta.chromium}, ${meta.go}, node ${process.versions.node}`);
  out.push('');

  out.push(row('Against the floor, same run', 'core', 'floor', 'ratio'));
  out.push(row('.wasm brotli, bytes', int(sizes.wasm?.brotli), int(sizes.floor?.brotli), ratio(sizes.wasmBrOverFloorBr)));
  out.push(row('.wasm raw (what the browser compiles), bytes', int(sizes.wasm?.raw), int(sizes.floor?.raw), ratio(sizes.wasmRawOverFloorRaw)));
  const { cold, warm } = startup;
  out.push(row(`ready cold, from onload, median of ${startup.runs ?? '?'}, ms`, dec(cold?.core.fromAskMs), dec(cold?.floor.fromAskMs), ratio(cold?.ratio)));
  out.push(row(`ready warm, from onload, median of ${startup.runs ?? '?'}, ms`, dec(warm?.core.fromAskMs), dec(warm?.floor.fromAskMs), ratio(warm?.ratio)));
  out.push(row(`call, mean of ${int(calls.batchCalls)} in batches, µs`, dec(calls.isLoggedIn?.batchMeanUs, 2), dec(calls.floor?.batchMeanUs, 2), ratio(calls.ratio)));
  out.push(row(`call, median of ${int(calls.calls)}, µs`, dec(calls.isLoggedIn?.medianUs), dec(calls.floor?.medianUs), ratio(calls.medianRatio)));
  out.push(row(`call, p99 of ${int(calls.calls)}, µs`, dec(calls.isLoggedIn?.p99Us), dec(calls.floor?.p99Us)));
  out.push(`  (core: the SDK's core and KustomerChat.isLoggedIn; floor: wasm/floor and its one js.FuncOf, same two arguments;`);
  out.push(`   timer resolution ${dec(calls.timerResolutionUs)} µs, cross-origin isolated: ${calls.crossOriginIsolated ?? '?'})`);
  out.push(row(`logIn(fresh customer) / fetch GET /v1/ping, median of ${login.samples ?? '?'}, ms`, dec(login.logInMs, 2), dec(login.pingMs, 2), ratio(login.ratio)));
  out.push(row('ready cold / warm, from navigation start, ms', dec(cold?.core.fromNavigationMs), dec(warm?.core.fromNavigationMs)));
  if (warm && warm.core.bytes > 0) out.push(`  note: warm navigations still downloaded ${int(warm.core.bytes)} bytes of /sdk/`);
  out.push('');

  out.push(row('Size (bytes)', 'raw', 'gzip', 'brotli 11'));
  const sizeRow = (label, s) => out.push(row(label, int(s?.raw), int(s?.gzip), int(s?.brotli)));
  sizeRow(`core ${sizes.wasm?.files[0] ?? '.wasm'}`, sizes.wasm);
  sizeRow(`core JS ${sizes.wasmExec?.files[0] ?? 'wasm_exec.js'}`, sizes.wasmExec);
  sizeRow('loader + launcher kustomer-chat.js', sizes.loader);
  sizeRow(`widget ${sizes.widget?.files[0] ?? 'JS'}`, sizes.widget);
  sizeRow('floor wasm/floor (a global, a js.FuncOf)', sizes.floor);
  for (const [label, fv] of [['first call: /sdk/ bytes until it settles', startup.firstVisit], ['floor: bytes until its first call settles', startup.floorFirstVisit]]) {
    out.push(row(label, '', '', int(fv?.bytes)));
    if (!fv) continue;
    for (const f of fv.files) out.push(row(`  ${f.file} (${f.encoding})`, '', '', int(f.bytes)));
    if (fv.minBytes !== fv.maxBytes) out.push(`  note: bytes varied between runs: ${int(fv.minBytes)}..${int(fv.maxBytes)}`);
  }
  out.push('');

  const nc = host.neverChats;
  out.push(row(`Host page, first-time visitor who never chats (${host.runs ?? '?'} runs each)`));
  out.push(row(`/sdk/ bytes: page load + ${dec((host.idleMs ?? NaN) / 1000, 0)} s idle (median)`, '', '', int(nc && nc.bytes)));
  if (nc) {
    for (const f of nc.files) out.push(row(`  ${f.file} (${f.encoding})`, '', '', int(f.bytes)));
    out.push(`  .wasm fetched: ${nc.wasmFiles ? `YES (${nc.otherFileNames.filter((f) => f.endsWith('.wasm')).join(', ')})` : 'none'}; other files besides the loader: ${nc.otherFiles ? nc.otherFileNames.join(', ') : 'none'}; API requests: ${nc.apiRequests}`);
    if (nc.minBytes !== nc.maxBytes) out.push(`  note: bytes varied between runs: ${int(nc.minBytes)}..${int(nc.maxBytes)}`);
  }
  out.push(row('load event, median ms: with tag / without', dec(host.loadEventWithTagMs), dec(host.loadEventWithoutTagMs)));
  out.push(row('delay of the load event by the tag, ms', dec(host.loadEventDelayMs)));
  out.push(row('load event with an empty async tag of the service, ms', dec(host.loadEventFloorTagMs)));
  out.push(row('delay by the tag over the empty tag, ms', dec(host.loadEventDelayOverFloorMs)));
  out.push(row('noise: IQR of the load event without tag, ms', dec(host.loadEventNoiseMs)));
  out.push(row('layout shift with the tag (sum, max of runs)', dec(host.layoutShift, 4)));
  if (Number.isFinite(host.layoutShiftWithoutTag) && host.layoutShiftWithoutTag > 0) out.push(`  note: the page shifts without the tag too: ${dec(host.layoutShiftWithoutTag, 4)}`);
  out.push('');

  const r = service.requested;
  const scale = results.scaleOut ?? {};
  out.push(wide('Service (loadgen, fresh instances)', 'SQLite', 'PostgreSQL'));
  out.push(wide('', '1 instance', '2 + NATS'));
  if (r) out.push(`  (${int(r.logins)} logins, then ${int(r.messages)} messages, concurrency ${r.concurrency}; then ${int(r.pacedMessages)} at ${int(r.rate)}/s)`);
  if (scale.skipped) out.push(`  PostgreSQL + NATS: not measured: ${scale.skipped}`);
  const both = (label, path, fmt) => out.push(wide(label, fmt(get(service, path)), fmt(get(scale, path))));
  both('logins per s', 'logins.perSec', int);
  both('login p50 / p99 ms', 'logins', (p) => (p ? `${dec(p.p50Ms, 1)} / ${dec(p.p99Ms, 1)}` : '—'));
  both('messages per s', 'messages.perSec', int);
  both('message p50 / p99 ms', 'messages', (p) => (p ? `${dec(p.p50Ms, 1)} / ${dec(p.p99Ms, 1)}` : '—'));
  both('delivery to a poll on the other instance,', 'delivery', (d) => (d ? `${dec(d.p50Ms, 1)} / ${dec(d.p99Ms, 1)}` : '—'));
  out.push('    p50 / p99 ms, under the full load (SQLite: same instance)');
  both(`the same at ${int(r?.rate)} messages/s`, 'paced.delivery', (d) => (d ? `${dec(d.p50Ms, 1)} / ${dec(d.p99Ms, 1)}` : '—'));
  both('  messages per s kept', 'paced.messages.perSec', int);
  out.push(wide('failed requests + missing events', int(problems(service)), int(problems(scale))));
  out.push('');

  out.push(row('WebAssembly linear memory of the core (bytes)'));
  out.push(row('after ready', int(memory.afterReadyBytes)));
  out.push(row(`after ${int(memory.calls)} calls (isLoggedIn, getIdentity)`, int(memory.afterCallsBytes)));
  out.push(row(`after ${int(memory.moreCalls)} calls`, int(memory.afterMoreCallsBytes)));
  out.push(row(`after ${int(memory.mostCalls)} calls`, int(memory.afterMostCallsBytes)));
  out.push('');

  out.push('Budgets');
  for (const b of results.budgets) {
    const fmt = b.unit === 'B' || b.unit === '/s' || b.unit === 'files' ? int : (x) => dec(x, b.unit ? 2 : 4);
    const figure = b.figure === null ? 'missing' : `${fmt(b.figure)} ${b.unit}`;
    const limit = b.limit === null ? '?' : `${fmt(b.limit)} ${b.unit}`;
    // A smoke run's figures come from a handful of samples: no verdict on them.
    const status = meta.mode === 'smoke' ? '-' : b.status;
    out.push(`  ${status.padEnd(8)}${b.name.padEnd(52)}${figure.padStart(14)} ${b.op} ${limit}`);
  }
  if (results.missing.length) {
    out.push('');
    out.push(`MISSING figures (${results.missing.length}):`);
    for (const m of results.problems) out.push(`  ${m.stage}: ${m.error}`);
    const listed = results.missing.join(', ');
    out.push(`  ${listed}`);
  }
  return out.join('\n');
}
