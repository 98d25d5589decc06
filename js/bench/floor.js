// The Go WebAssembly floor (wasm/floor): built with the core's Go and flags, and
// served as the service serves the core (web/internal/sdkassets): from an origin other than
// the page's, with CORS; the .wasm and wasm_exec.js under content-hashed names,
// immutable, in brotli at the strongest settings; the loader under a plain name with
// a short lifetime.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const root = new URL('../../', import.meta.url).pathname;

// buildFloor builds wasm/floor into a temporary directory (never into the tree,
// which other builds share) and returns the .wasm as { raw, gzip, brotli }.
export async function buildFloor() {
  const dir = mkdtempSync(join(tmpdir(), 'kustomer-chat-floor-'));
  try {
    const out = join(dir, 'floor.wasm');
    await promisify(execFile)('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, './wasm/floor'], {
      cwd: root,
      env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' },
    });
    return await compress(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const brotli = promisify(brotliCompress);
const gz = promisify(gzip);

// compress makes what web/tools/sdkbundle makes of the core: brotli at quality 11
// with a 24-bit window, the largest every browser decodes, and gzip at its
// strongest. On the core's .wasm both brotli encoders give the same bytes.
async function compress(buf) {
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
  return { raw: buf, gzip: g, brotli: b };
}

const hashed = (stem, ext, data) => `${stem}.${createHash('sha256').update(data).digest('hex').slice(0, 12)}.${ext}`;

const IMMUTABLE = 'public, max-age=31536000, immutable';
const JS = 'text/javascript; charset=utf-8';

// startFloorServer serves the floor's loader at loaderUrl. wasm and wasmExec are
// { raw, brotli } buffers: the floor compressed as the build compresses the core,
// and the build's own wasm_exec.js (the same Go made both programs).
export async function startFloorServer({ wasm, wasmExec }) {
  const wasmName = hashed('floor', 'wasm', wasm.raw);
  const jsName = hashed('floor-core', 'js', wasmExec.raw);
  const loader = readFileSync(new URL('./floor-loader.js', import.meta.url), 'utf8')
    .replace('FLOOR_WASM', wasmName).replace('FLOOR_JS', jsName);
  const files = new Map([
    [`/floor/${wasmName}`, { ...wasm, type: 'application/wasm', cache: IMMUTABLE }],
    [`/floor/${jsName}`, { ...wasmExec, type: JS, cache: IMMUTABLE }],
    ['/floor/floor.js', { ...(await compress(Buffer.from(loader))), type: JS, cache: 'public, max-age=300' }],
  ]);
  const server = createServer((req, res) => {
    const f = files.get(new URL(req.url, 'http://x').pathname);
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    const br = /\bbr\b/.test(req.headers['accept-encoding'] || '');
    const body = br ? f.brotli : f.raw;
    res.writeHead(200, {
      'Content-Type': f.type, 'Cache-Control': f.cache, 'Access-Control-Allow-Origin': '*',
      'X-Content-Type-Options': 'nosniff', Vary: 'Accept-Encoding', 'Content-Length': body.length,
      ...(br ? { 'Content-Encoding': 'br' } : {}),
    }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, loaderUrl: `${url}/floor/floor.js`, close: () => new Promise((resolve) => server.close(resolve)) };
}
