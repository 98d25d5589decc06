// Small statistics helpers shared by the benchmark modules.

const sorted = (xs) => [...xs].sort((a, b) => a - b);

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// percentile uses the nearest-rank method: p99 of 5,000 samples is the 4,950th
// smallest, a value that was actually observed.
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const mean = (xs) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
