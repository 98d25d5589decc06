// The chat service's throughput and delivery latency, measured by
// web/tools/kustomer-chat-loadgen: one instance on SQLite, and two on PostgreSQL +
// NATS.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, JWT_SECRET, startScaleEnv, startService, UNLIMITED } from '../test/harness.js';

const root = new URL('../../', import.meta.url).pathname;
const LOADGEN = 'web/tools/kustomer-chat-loadgen';

// Children still running, so run.js can end them if it is interrupted.
const running = new Set();

export function killChildren() {
  for (const child of running) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

// runGroup runs a command in its own process group: `go run` starts the built
// loadgen as a child of its own, and a timeout must end both.
function runGroup(cmd, args, { timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
      reject(new Error(`${cmd} ${args[0]} ${args[1]} timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); running.delete(child); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); running.delete(child); resolve({ code, stdout, stderr }); });
  });
}

// loadgen runs the loadgen against the instances at urls (request i goes to
// instance i mod N; its followed conversations are polled on the next one) and
// returns its report. It exits 1 when some requests failed or events went
// missing but still reports; those are part of the figures. Without a report
// there is nothing to show.
async function loadgen(urls, { logins, messages, concurrency, rate = 0, timeoutMs }) {
  const { code, stdout, stderr } = await runGroup('go', ['run', `./${LOADGEN}`,
    '-url', urls.join(','), '-api-key', API_KEY, '-jwt-secret', JWT_SECRET,
    '-logins', String(logins), '-messages', String(messages), '-concurrency', String(concurrency),
    '-rate', String(rate)], { timeoutMs });
  const line = stdout.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
  let report;
  try {
    report = JSON.parse(line);
  } catch {
    const tail = stderr.trim().split('\n').slice(-5).join('\n  ');
    throw new Error(`the loadgen (exit ${code}) printed no JSON report:\n  ${tail}`);
  }
  return { exitCode: code, logins: phase(report.logins), messages: phase(report.messages), delivery: report.delivery ?? null };
}

// RATE is the message rate at which delivery is measured (issue 9: cross-instance
// delivery p99 under 100 ms at 2,000 messages/s).
export const RATE = 2000;

// measure runs the loadgen twice on fresh instances (an empty database, so earlier
// stages' customers do not count): as fast as it can, for throughput, then paced at
// RATE, for delivery latency at that rate.
async function measure(start, { logins, messages, pacedMessages, concurrency, timeoutMs }) {
  const flat = await start();
  const full = await loadgen(flat.urls, { logins, messages, concurrency, timeoutMs }).finally(flat.close);
  const again = await start();
  // Enough logins for the conversations the paced messages go to.
  const paced = await loadgen(again.urls, { logins: Math.min(logins, 1000), messages: pacedMessages, concurrency, rate: RATE, timeoutMs })
    .finally(again.close);
  return { requested: { logins, messages, pacedMessages, concurrency, rate: RATE }, ...full, paced };
}

// measureService: one instance on a SQLite file. onClose receives each fresh
// service's close function, so an interrupted run can stop it too; closing twice
// is harmless.
export function measureService({ onClose = () => {}, ...counts }) {
  if (!existsSync(join(root, LOADGEN))) {
    throw new Error(`${LOADGEN} does not exist yet: no throughput figures`);
  }
  return measure(async () => {
    const service = await startService({ args: UNLIMITED });
    onClose(() => service.close());
    return { urls: [service.url], close: () => service.close() };
  }, counts);
}

// measureScaleOut: two instances on one PostgreSQL database and one NATS
// (web/tools/kustomer-chat-scaleenv), each request to one of them and each
// followed conversation polled on the other. Each instance runs on one
// core's share (GOMAXPROCS=1), as in a container limited to one CPU, whose
// limit Go reads itself: with two Go schedulers each sure of 2 cores, their
// idle threads spun on the cores the database needed (measured: about 8 %
// fewer messages a second).
export function measureScaleOut({ onClose = () => {}, ...counts }) {
  return measure(async () => {
    const env = await startScaleEnv();
    onClose(() => env.close());
    try {
      const services = await Promise.all([0, 1].map(() => startService({ db: env.db, args: [...UNLIMITED, '-nats', env.nats], env: { GOMAXPROCS: '1' } })));
      services.forEach((s) => onClose(() => s.close()));
      return {
        urls: services.map((s) => s.url),
        close: async () => { await Promise.all(services.map((s) => s.close())); await env.close(); },
      };
    } catch (e) {
      await env.close();
      throw e;
    }
  }, counts);
}

const phase = (p) => (p ? {
  count: p.count, errors: p.errors, seconds: p.seconds, perSec: p.perSec, p50Ms: p.p50Ms, p99Ms: p.p99Ms,
} : null);
