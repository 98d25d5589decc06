// The chat service's throughput, measured by web/tools/kustomer-chat-loadgen against
// a fresh service (an empty database, so earlier stages' customers do not count).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY, JWT_SECRET, startService, UNLIMITED } from '../test/harness.js';

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

// onClose receives the fresh service's close function, so an interrupted run can
// stop it too; closing twice is harmless.
export async function measureService({ logins, messages, concurrency, timeoutMs, onClose = () => {} }) {
  if (!existsSync(join(root, LOADGEN))) {
    throw new Error(`${LOADGEN} does not exist yet: no throughput figures`);
  }
  const service = await startService({ args: UNLIMITED });
  onClose(() => service.close());
  try {
    const { code, stdout, stderr } = await runGroup('go', ['run', `./${LOADGEN}`,
      '-url', service.url, '-api-key', API_KEY, '-jwt-secret', JWT_SECRET,
      '-logins', String(logins), '-messages', String(messages), '-concurrency', String(concurrency)], { timeoutMs });
    // The loadgen exits 1 when some requests failed but still reports; the errors
    // are part of the figures. Without a report there is nothing to show.
    const line = stdout.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
    let report;
    try {
      report = JSON.parse(line);
    } catch {
      const tail = stderr.trim().split('\n').slice(-5).join('\n  ');
      throw new Error(`the loadgen (exit ${code}) printed no JSON report:\n  ${tail}`);
    }
    return { requested: { logins, messages, concurrency }, exitCode: code, logins: phase(report.logins), messages: phase(report.messages) };
  } finally {
    await service.close();
  }
}

const phase = (p) => (p ? {
  count: p.count, errors: p.errors, seconds: p.seconds, perSec: p.perSec, p50Ms: p.p50Ms, p99Ms: p.p99Ms,
} : null);
