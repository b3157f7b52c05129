// Display formatting of the page: numbers, durations, file names. Pure (no
// DOM, no wasm): importable from Node (tests/e2e/controls.test.mjs).

/** A number for display: short, scientific when tiny or huge; "—" for null. */
export function fmt(x, digits = 4) {
  if (x === null || x === undefined) return '—';
  if (typeof x !== 'number') return String(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(digits)));
  return x.toExponential(Math.max(0, digits - 2)).replace('e+', 'e');
}

/** Seconds as "12 s", "3 min 4 s", "2 h 5 min". */
export function fmtDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An integer with thin-space thousands separators. */
export function fmtInt(n) {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/** A file-name-safe stem for downloads, e.g. "merge-orthogonal_step2000". */
export function fileStem(preset, step) {
  const base = (preset || 'custom').replace(/[^A-Za-z0-9_-]+/g, '-');
  return `${base}_step${step}`;
}
