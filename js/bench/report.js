// The figures every complete run must have, the budgets, and the printed table.

const KB = 1024;

// get reads a dotted path ("sizes.wasm.brotli") from the results.
const get = (obj, path) => path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);

// Every figure the issues ask for. The build makes four downloads: the loader (with
// the launcher), the panel, the core and its wasm_exec.js; each must be measured.
const REQUIRED = [
  'sizes.wasm.raw', 'sizes.wasm.gzip', 'sizes.wasm.brotli',
  'sizes.loader.raw', 'sizes.loader.gzip', 'sizes.loader.brotli',
  'sizes.widget.raw', 'sizes.widget.gzip', 'sizes.widget.brotli',
  'sizes.wasmExec.raw', 'sizes.wasmExec.gzip', 'sizes.wasmExec.brotli',
  'sizes.floor.raw', 'sizes.floor.gzip', 'sizes.floor.brotli', 'sizes.wasmBrOverFloorBr',
  'startup.firstVisit.bytes', 'startup.coldReadyMs', 'startup.warmReadyMs',
  'host.neverChats.bytes', 'host.neverChats.wasmFiles', 'host.neverChats.otherFiles', 'host.neverChats.apiRequests',
  'host.loadEventWithTagMs', 'host.loadEventWithoutTagMs', 'host.loadEventDelayMs', 'host.loadEventNoiseMs',
  'host.loadEventFloorTagMs', 'host.loadEventDelayOverFloorMs',
  'host.layoutShift',
  'calls.isLoggedIn.medianUs', 'calls.isLoggedIn.p99Us', 'calls.plain.medianUs', 'calls.plain.p99Us',
  'calls.plain.batchMedianUs', 'calls.ratio',
  'login.logInMs', 'login.pingMs', 'login.ratio',
  'service.logins.perSec', 'service.logins.p50Ms', 'service.logins.p99Ms', 'service.logins.errors',
  'service.messages.perSec', 'service.messages.p50Ms', 'service.messages.p99Ms', 'service.messages.errors',
  'memory.afterReadyBytes', 'memory.afterCallsBytes',
];
// missingFigures lists the figures that are absent or not finite numbers.
export function missingFigures(results) {
  return REQUIRED.filter((p) => !Number.isFinite(get(results, p)));
}

export function budgets(results) {
  const floorBr = get(results, 'sizes.floor.brotli');
  const line = (name, figure, op, limit, unit) => {
    const known = Number.isFinite(figure) && Number.isFinite(limit);
    const pass = known && (op === '<=' ? figure <= limit : op === '>=' ? figure >= limit : figure < limit);
    return { name, figure: known ? figure : null, op, limit: Number.isFinite(limit) ? limit : null, unit, status: known ? (pass ? 'PASS' : 'FAIL') : 'MISSING' };
  };
  return [
    line('core wasm brotli <= 1.6 x floor brotli', get(results, 'sizes.wasm.brotli'), '<=', floorBr * 1.6, 'B'),
    line('loader + launcher brotli <= 8 KB', get(results, 'sizes.loader.brotli'), '<=', 8 * KB, 'B'),
    line('widget (chat panel) brotli <= 25 KB', get(results, 'sizes.widget.brotli'), '<=', 25 * KB, 'B'),
    line('never chats: files besides the loader (no .wasm)', get(results, 'host.neverChats.otherFiles'), '<=', 0, 'files'),
    line('host load-event delay <= noise (IQR without tag)', get(results, 'host.loadEventDelayMs'), '<=', get(results, 'host.loadEventNoiseMs'), 'ms'),
    line('load-event delay over an empty async tag <= noise', get(results, 'host.loadEventDelayOverFloorMs'), '<=', get(results, 'host.loadEventNoiseMs'), 'ms'),
    line('layout shift with the tag = 0', get(results, 'host.layoutShift'), '<=', 0, ''),
    line('first-call download <= floor brotli x 1.6 + 20 KB', get(results, 'startup.firstVisit.bytes'), '<=', floorBr * 1.6 + 20 * KB, 'B'),
    line('ready cold, median < 250 ms', get(results, 'startup.coldReadyMs'), '<', 250, 'ms'),
    line('ready warm, median < 100 ms', get(results, 'startup.warmReadyMs'), '<', 100, 'ms'),
    line('isLoggedIn median < 50 µs', get(results, 'calls.isLoggedIn.medianUs'), '<', 50, 'µs'),
    line('logIn <= 1.5 x bare fetch round trip', get(results, 'login.ratio'), '<=', 1.5, 'x'),
    line('service logins/s >= 2,000', get(results, 'service.logins.perSec'), '>=', 2000, '/s'),
    line('service messages/s >= 5,000', get(results, 'service.messages.perSec'), '>=', 5000, '/s'),
    line('service login p99 < 50 ms', get(results, 'service.logins.p99Ms'), '<', 50, 'ms'),
    line('service message p99 < 50 ms', get(results, 'service.messages.p99Ms'), '<', 50, 'ms'),
  ];
}

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const dec = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : '—');
const row = (label, ...cols) => `  ${label.padEnd(46)}${cols.map((c) => String(c).padStart(12)).join('')}`.trimEnd();

export function formatTable(results) {
  const { meta, sizes = {}, startup = {}, host = {}, calls = {}, login = {}, service = {}, memory = {} } = results;
  const out = [];
  out.push(`Kustomer Chat SDK benchmark — ${meta.mode} run, ${meta.date}`);
  out.push(`  ${meta.chromium}, ${meta.go}, node ${process.versions.node}`);
  out.push('');

  out.push(row('Size (bytes)', 'raw', 'gzip -9', 'brotli 11'));
  const sizeRow = (label, s, note = 'n/a') => out.push(s ? row(label, int(s.raw), int(s.gzip), int(s.brotli)) : row(label, note, '', ''));
  sizeRow(`core ${sizes.wasm ? sizes.wasm.files.join(', ') : '.wasm'}`, sizes.wasm, '—');
  sizeRow(`core JS ${sizes.wasmExec ? sizes.wasmExec.files.join(', ') : 'wasm_exec.js'}`, sizes.wasmExec, sizes.loader && sizes.loader.includesWasmExec ? 'n/a: in loader' : '—');
  sizeRow(`loader + launcher kustomer-chat.js${sizes.loader && sizes.loader.includesWasmExec ? ' (wasm_exec inlined)' : ''}`, sizes.loader, '—');
  sizeRow(`widget ${sizes.widget ? sizes.widget.files.join(', ') : 'JS'}`, sizes.widget, '—');
  sizeRow('floor wasm/floor (Go + syscall/js, select{})', sizes.floor, '—');
  out.push(row('core brotli / floor brotli', '', '', ratio(sizes.wasmBrOverFloorBr)));
  const fv = startup.firstVisit;
  out.push(row('first call: /sdk/ bytes until it settles', '', '', int(fv && fv.bytes)));
  if (fv) {
    for (const f of fv.files) out.push(row(`  ${f.file} (${f.encoding})`, '', '', int(f.bytes)));
    if (fv.minBytes !== fv.maxBytes) out.push(`  note: first-visit bytes varied between runs: ${int(fv.minBytes)}..${int(fv.maxBytes)}`);
  }
  out.push('');

  out.push(row(`Start-up, headless Chromium (median of ${startup.runs ?? '?'}, ms)`));
  out.push(row('cold: navigation start -> KustomerChat.ready', dec(startup.coldReadyMs)));
  out.push(row('warm: navigation start -> KustomerChat.ready', dec(startup.warmReadyMs)));
  if (Number.isFinite(startup.warmSdkBytes) && startup.warmSdkBytes > 0) out.push(`  note: warm navigations still downloaded ${int(startup.warmSdkBytes)} bytes of /sdk/`);
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

  const c = calls;
  out.push(row(`Call latency (${c.calls ?? '?'} sequential awaited calls, µs)`, 'median', 'p99'));
  out.push(row('KustomerChat.isLoggedIn', dec(c.isLoggedIn?.medianUs), dec(c.isLoggedIn?.p99Us)));
  out.push(row('plain () => Promise.resolve(false), per call', dec(c.plain?.medianUs), dec(c.plain?.p99Us)));
  out.push(row('plain, median of 1,000-call batch means', dec(c.plain?.batchMedianUs, 3)));
  out.push(row('isLoggedIn median / plain (batched) median', ratio(c.ratio)));
  out.push(`  (timer resolution ${dec(c.timerResolutionUs)} µs, cross-origin isolated: ${c.crossOriginIsolated ?? '?'})`);
  out.push('');

  out.push(row(`logIn round trip (median of ${login.samples ?? '?'}, ms)`));
  out.push(row('logOut (untimed), then logIn(fresh customer)', dec(login.logInMs, 2)));
  out.push(row('fetch GET /v1/ping', dec(login.pingMs, 2)));
  out.push(row('logIn / ping', ratio(login.ratio)));
  out.push('');

  const r = service.requested;
  out.push(row('Service throughput (loadgen, fresh service)', 'per s', 'p50 ms', 'p99 ms', 'errors'));
  if (r) out.push(`  (${int(r.logins)} logins, then ${int(r.messages)} messages, concurrency ${r.concurrency})`);
  for (const [label, p] of [['logins', service.logins], ['messages', service.messages]]) {
    out.push(row(label, int(p?.perSec), dec(p?.p50Ms, 2), dec(p?.p99Ms, 2), int(p?.errors)));
  }
  out.push('');

  out.push(row('WebAssembly linear memory (bytes)'));
  out.push(row('after ready', int(memory.afterReadyBytes)));
  out.push(row(`after ${int(memory.calls)} calls (isLoggedIn, getIdentity)`, int(memory.afterCallsBytes)));
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
