// The form's controls as JSON text for Rust's set_config_key, and the λ
// slider's positions. Pure (no DOM, no wasm): importable from Node
// (tests/e2e/controls.test.mjs). Every check of a value happens in Rust.

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

/** config["a"]["b"] for key "a.b". */
export function getKey(obj, dotted) {
  return dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
