// Pure helpers of the page: control value <-> JSON text,
// the λ slider's positions, and display formatting. No DOM, no wasm, no
// science: every config check happens in Rust. Importable from Node (tests).

// The URL hash (`#v=1&c=<base64url JSON>&p=<preset>`) is read and written by
// Rust (src/urlhash.rs, exported as decode_hash / encode_hash), which also
// validates the config, so a bad link is refused with Rust's message.

// ---- control values -> JSON text for set_config_key ----------------------------

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * JSON text of a typed number: the number as typed when it looks like one,
 * else the text as a JSON string (so Rust names the field and the type).
 */
export function numberJson(text) {
  const t = String(text).trim();
  if (NUMBER.test(t)) return t.replace(/^\+/, '').replace(/^\./, '0.').replace(/^-\./, '-0.');
  return JSON.stringify(t);
}

/** JSON text of a comma list of widths ("64, 64" -> "[64,64]"; "" -> "[]"). */
export function widthsJson(text) {
  const t = String(text).trim();
  if (t === '') return '[]';
  return '[' + t.split(/\s*,\s*|\s+/).map(numberJson).join(',') + ']';
}

/**
 * JSON text of a comma list of digit pairs ("0-1, 7-9" -> "[[0,1],[7,9]]"; "3 vs 8" works too).
 * A part that is not two numbers goes to Rust as a string, which refuses it naming the field.
 */
export function pairsJson(text) {
  const t = String(text).trim();
  if (t === '') return '[]';
  const parts = t.split(/\s*,\s*/).map((part) => {
    const m = part.match(/^(\d+)\s*(?:-|–|vs|\s)\s*(\d+)$/);
    return m ? `[${m[1]},${m[2]}]` : JSON.stringify(part);
  });
  return '[' + parts.join(',') + ']';
}

/** The comma-list text of digit pairs ([[0,1],[7,9]] -> "0-1, 7-9"). */
export function pairsText(pairs) {
  return pairs.map((p) => p.join('-')).join(', ');
}

/** The comma-list text of a widths array. */
export function widthsText(widths) {
  return widths.join(', ');
}

// ---- λ slider: position 0 is λ = 0, position p ≥ 1 is 10^(LAMBDA_MIN_EXP + (p − 1)/10) --

export const LAMBDA_MIN_EXP = -6;
export const LAMBDA_POSITIONS = 71; // 1e-6 … 10 in tenths of a decade

/** λ at a slider position, rounded to two significant digits (as JSON text). */
export function lambdaAtPosition(pos) {
  const p = Math.round(Number(pos));
  if (!(p > 0)) return '0';
  const exp = LAMBDA_MIN_EXP + (p - 1) / 10;
  return String(Number(Math.pow(10, exp).toPrecision(2)));
}

/** The slider position nearest to λ. */
export function positionOfLambda(lambda) {
  if (!(lambda > 0)) return 0;
  const p = Math.round(10 * (Math.log10(lambda) - LAMBDA_MIN_EXP)) + 1;
  return Math.min(LAMBDA_POSITIONS, Math.max(1, p));
}

// ---- dotted keys ------------------------------------------------------------------

/** config["a"]["b"] for key "a.b". */
export function getKey(obj, dotted) {
  return dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

// ---- formatting ---------------------------------------------------------------------

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

// ---- CSV of the recorded history ------------------------------------------------

/**
 * Flatten a JSON value into [dotted key, value] pairs the way the CLI's
 * metrics.csv does: arrays of objects are indexed from 1, arrays of numbers
 * (spectra) are skipped, booleans become 1/0, null becomes NaN, strings are skipped.
 */
export function flatten(v, prefix = '', out = []) {
  const key = (k) => (prefix === '' ? String(k) : `${prefix}.${k}`);
  if (v === null) {
    out.push([prefix, NaN]);
  } else if (Array.isArray(v)) {
    if (v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
      v.forEach((x, i) => flatten(x, key(i + 1), out));
    }
  } else if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flatten(x, key(k), out);
  } else if (typeof v === 'number') {
    out.push([prefix, v]);
  } else if (typeof v === 'boolean') {
    out.push([prefix, v ? 1 : 0]);
  }
  return out;
}

function csvCell(x) {
  const s = String(x);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** metrics.csv text from a snapshot object: one row per task per recorded point. */
export function historyCsv(snapshot) {
  const rows = [];
  const columns = ['task'];
  const seen = new Set(columns);
  for (const t of snapshot.tasks) {
    for (const p of t.history.points) {
      const row = new Map([['task', t.task]]);
      for (const [k, v] of flatten(p)) {
        row.set(k, v);
        if (!seen.has(k)) {
          seen.add(k);
          columns.push(k);
        }
      }
      rows.push(row);
    }
  }
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r.has(c) ? r.get(c) : '')).join(','));
  return lines.join('\n') + '\n';
}

/** A file-name-safe stem for downloads, e.g. "merge-orthogonal_step2000". */
export function fileStem(preset, step) {
  const base = (preset || 'custom').replace(/[^A-Za-z0-9_-]+/g, '-');
  return `${base}_step${step}`;
}
