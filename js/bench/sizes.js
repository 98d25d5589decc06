// Sizes of the SDK's built files and of the Go WebAssembly floor.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const root = new URL('../../', import.meta.url).pathname;
export const DIST = join(root, 'web/internal/sdkassets/dist');

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

// compressedSizes measures what a server sending the file precompressed at the
// strongest settings would send. Brotli's window is 24 bits, the largest every
// browser decodes (the same as web/tools/sdkbundle). The async zlib calls run
// on libuv's thread pool, so the core and the floor compress in parallel:
// brotli at quality 11 takes seconds per megabyte.
export async function compressedSizes(buf) {
  const [g, b] = await Promise.all([
    gz(buf, { level: 9 }),
    brotli(buf, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }),
  ]);
  return { raw: buf.length, gzip: g.length, brotli: b.length };
}

// classify sorts the files a build put in dist/ by role. Names carry content
// hashes (kustomer-chat.3fa9c1d2e0ab.wasm), so roles come from extensions and name
// stems, never from exact names: the core (.wasm); its JavaScript half, Go's
// wasm_exec.js (kustomer-chat-core.HASH.js, or a file still named wasm_exec);
// the loader, which draws the launcher (kustomer-chat.js, the one unhashed name);
// the chat panel (kustomer-chat-widget.HASH.js, and any other chunk the bundler
// splits off). Precompressed copies, typings and source maps are not downloads.
export function classify(names) {
  const roles = { wasm: [], loader: [], wasmExec: [], widget: [] };
  for (const name of names) {
    if (name.startsWith('.') || /\.(br|gz|map)$/.test(name) || name.endsWith('.d.ts')) continue;
    if (name.endsWith('.wasm')) roles.wasm.push(name);
    else if (/^(wasm_exec|kustomer-chat-core)\b.*\.m?js$/.test(name)) roles.wasmExec.push(name);
    else if (name === 'kustomer-chat.js') roles.loader.push(name);
    else if (/\.m?js$/.test(name)) roles.widget.push(name);
  }
  return roles;
}

// distSizes returns, per role, the file name(s) and their raw/gzip/brotli sizes,
// or null for a role the build does not produce ("n/a" in the report).
export async function distSizes(dir = DIST) {
  const roles = classify(readdirSync(dir));
  if (roles.wasm.length !== 1) throw new Error(`expected one .wasm in ${dir}, found ${roles.wasm.length}: ${roles.wasm.join(', ')} (run make build)`);
  if (roles.loader.length !== 1) throw new Error(`no loader kustomer-chat.js in ${dir} (run make build)`);
  const out = {};
  for (const [role, names] of Object.entries(roles)) {
    if (names.length === 0) {
      out[role] = null;
      continue;
    }
    // Several widget chunks are one download for the visitor: report their sum.
    const parts = await Promise.all(names.map((n) => compressedSizes(readFileSync(join(dir, n)))));
    const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
    out[role] = { files: names, raw: sum('raw'), gzip: sum('gzip'), brotli: sum('brotli') };
  }
  // When wasm_exec.js is not its own file, say where it went rather than just "n/a".
  const loaderText = readFileSync(join(dir, roles.loader[0]), 'utf8');
  out.loader.includesWasmExec = /_makeFuncWrapper|importObject/.test(loaderText) && /class Go\b|\.Go = class/.test(loaderText);
  return out;
}

// floorSizes builds wasm/floor with the core's flags into a temporary directory
// (never into the tree, which other builds share) and measures it.
export async function floorSizes() {
  const dir = mkdtempSync(join(tmpdir(), 'kustomer-chat-floor-'));
  try {
    const out = join(dir, 'floor.wasm');
    await promisify(execFile)('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, './wasm/floor'], {
      cwd: root,
      env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' },
    });
    return await compressedSizes(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
