// Sizes of the SDK's built files, compressed as the service sends them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const DIST = new URL('../../web/internal/sdkassets/dist', import.meta.url).pathname;

// The four downloads web/tools/sdkbundle makes: the loader, which draws the launcher
// (the one plain name, which sites paste), and, under content-hashed names, the
// core, its JavaScript half (Go's wasm_exec.js) and the chat panel.
// The typings are not a download.
const ROLES = {
  loader: /^kustomer-chat\.js$/,
  wasm: /^kustomer-chat\.[0-9a-f]{12}\.wasm$/,
  wasmExec: /^kustomer-chat-core\.[0-9a-f]{12}\.js$/,
  widget: /^kustomer-chat-widget\.[0-9a-f]{12}\.js$/,
};

// distSizes returns, per role, the file's name and the sizes of what the service
// sends: the file, and its precompressed .gz and .br.
export function distSizes(dir = DIST) {
  const names = readdirSync(dir);
  return Object.fromEntries(Object.entries(ROLES).map(([role, pattern]) => {
    const found = names.filter((n) => pattern.test(n));
    if (found.length !== 1) throw new Error(`expected one ${pattern} in ${dir}, found ${found.length} (run make build)`);
    const size = (suffix) => statSync(join(dir, found[0] + suffix)).size;
    return [role, { files: found, raw: size(''), gzip: size('.gz'), brotli: size('.br') }];
  }));
}
