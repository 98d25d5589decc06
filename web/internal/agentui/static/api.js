// The inbox's one way to the service: JSON over /agent/api/ with the session
// cookie, errors as ApiError with the service's code.

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0: the service was not reached
    this.code = code;
    this.retryAfter = retryAfter; // seconds, from a 429's Retry-After; null if none
  }
}

let onUnauthorized = () => {};

// whenSignedOut sets what happens when a call finds the session gone (expired,
// revoked, the agent disabled): the page goes back to its sign-in form.
export function whenSignedOut(fn) {
  onUnauthorized = fn;
}

// api calls /agent/api<path>. body, when given, is sent as JSON. A 401 of any call
// but the sign-in itself ends the signed-in page (see whenSignedOut).
export async function api(path, { method = 'GET', body, signal, signIn = false } = {}) {
  let r;
  try {
    r = await fetch('/agent/api' + path, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the chat service.', null);
  }
  if (r.status === 204) return null;
  let data = null;
  try { data = await r.json(); } catch { /* a body that is not JSON: the status says enough */ }
  if (!r.ok) {
    const err = new ApiError(r.status, data?.error?.code || 'HTTP_' + r.status, data?.error?.message || 'HTTP ' + r.status,
      r.headers.has('Retry-After') ? Number(r.headers.get('Retry-After')) || null : null);
    if (r.status === 401 && !signIn) onUnauthorized(err);
    throw err;
  }
  return data;
}

// download fetches path and hands it to the browser as a file, named as the
// service's Content-Disposition says (else fallback).
export async function download(path, fallback) {
  let r;
  try {
    r = await fetch('/agent/api' + path, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'Cannot reach the chat service.', null);
  }
  if (!r.ok) {
    const data = await r.json().catch(() => null);
    const err = new ApiError(r.status, data?.error?.code || 'HTTP_' + r.status, data?.error?.message || 'HTTP ' + r.status, null);
    if (r.status === 401) onUnauthorized(err);
    throw err;
  }
  const name = /filename="([^"]+)"/.exec(r.headers.get('Content-Disposition') || '')?.[1] || fallback;
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// uuid names a reply before it is sent, so that sending it again stores it once.
// crypto.randomUUID needs a secure context; an inbox opened over plain HTTP on a
// LAN address has none, and gets the same version-4 UUID from getRandomValues.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const enc = encodeURIComponent;
