// The tables of the current numbers: every task's metrics, every layer's,
// the preset's claims, and (merge-tables.js) the merge tables. Where Rust's
// notes say a number is not one (rounding level, ambiguous rank, collapsed
// net), the note is shown instead. Filled from the snapshot the page shows;
// every number is Rust's, shown with its exact value in data-value.

import { $, cell, fillTable, numCell } from './dom.js';
import { fmt } from './format.js';
import { renderMergeTables } from './merge-tables.js';

/** A cell with Rust's note (why there is no number) if there is one, else `number()`. */
function noteOr(note, number, testid) {
  return note ? cell('td', note, { class: 'note', 'data-testid': testid }) : number();
}

/** Fill the tables from snapshot `s` (its current metrics, claims and merge report). */
export function renderTables(s) {
  if (!s) return;
  renderClaims(s);
  renderLayers(s);
  const collapsed = s.tasks.map((t) => t.notes && t.notes.collapsed).filter(Boolean);
  $('#collapse-warning').hidden = !collapsed.length;
  $('#collapse-warning').textContent = collapsed.join(' ');
  // Current metrics per task; with a comparison, run B's rows follow A's (Rust says what differs).
  const cmp = s.compare || null;
  const rows = taskRows(s, cmp ? 'A' : '').concat(cmp ? taskRows(cmp.summary, 'B') : []);
  $('#compare-legend').hidden = !cmp;
  $('#compare-legend').textContent = cmp ? `${cmp.text.a} · ${cmp.text.b} (B's rows below A's)` : '';
  fillTable(
    $('#task-table'),
    ['task', 'step', 'loss L', 'objective F', 'accuracy', '‖∇L+λθ‖/‖λθ‖', 'stable rank W₁', 'effective rank W₁', 'numerical rank W₁', 'W₁ outside span(X)', 'stable-rank bound: measured ≤ bound'],
    rows,
  );

  renderMergeTables(s);
}

// ---------------------------------------------------------------- claims

/** The words shown for each of Rust's claim statuses (`claims::Status`). */
const CLAIM_STATUS = {
  pass: '✓',
  fail: '✗',
  waiting: 'waiting',
  collapsed: '✗ collapsed net',
  rounding_level: '✗ rounding level',
  not_applicable: 'not applicable',
};

let claimsOf = null; // {preset, modified}: whose claims the run checks, or null
let claimsShown = null; // {step, config}: the snapshot the shown claims come from (config as JSON text)

/** The preset whose claims the run checks (null: none), and whether the config was changed from it. */
/** One row per layer of each task of summary `s` (`run` as for taskRows). */
function layerRows(s, run) {
  const rows = [];
  for (const t of s.tasks) {
    const notes = t.notes || {};
    t.current.layers.forEach((l, k) => {
      const id = `${run === 'B' ? 'b-' : ''}layer-${t.task}-${k + 1}`;
      const inst = notes.alignment_cos && notes.alignment_cos[k];
      const avg = notes.alignment_cos_avg && notes.alignment_cos_avg[k];
      rows.push([
        cell('th', `${run ? `${run} · ` : ''}${t.task}: W${k + 1}${l.trained ? '' : ' (fixed)'}`, { scope: 'row' }),
        numCell(l.frobenius, `${id}-frobenius`, 6),
        noteOr(inst, () => numCell(l.alignment_cos, `${id}-cos`, 6), `${id}-cos`),
        noteOr(inst, () => numCell(l.alignment_gap, `${id}-gap`, 3), `${id}-gap`),
        noteOr(avg, () => numCell(l.alignment_cos_avg, `${id}-cos-avg`, 8), `${id}-cos-avg`),
        noteOr(avg, () => numCell(l.alignment_gap_avg, `${id}-gap-avg`, 3), `${id}-gap-avg`),
        numCell(l.norm_identity_lhs, `${id}-identity-lhs`, 6),
        numCell(l.trained ? t.current.norm_identity_rhs : null, `${id}-identity-rhs`, 6),
      ]);
    });
  }
  return rows;
}

/** One row per task of summary `s` (`run`: '' alone, or 'A' / 'B' of a comparison: row headers and test ids say which). */
function taskRows(s, run) {
  return s.tasks.map((t) => {
    const c = t.current;
    const l1 = c.layers[0];
    const notes = t.notes || { numerical_rank: [] };
    const rb = c.rank_bound;
    const id = `${run === 'B' ? 'b-' : ''}task-${t.task}`;
    return [
      cell('th', run ? `${run} · ${t.task}` : t.task, { scope: 'row' }),
      numCell(c.step, `${id}-step`),
      numCell(c.loss, `${id}-loss`),
      numCell(c.objective, `${id}-objective`),
      numCell(c.accuracy, `${id}-accuracy`),
      noteOr(notes.stationarity, () => numCell(c.stationarity, `${id}-stationarity`, 3), `${id}-stationarity`),
      noteOr(notes.ranks, () => numCell(l1 ? l1.stable_rank : null, `${id}-stable-rank`), `${id}-stable-rank`),
      noteOr(notes.ranks, () => numCell(l1 ? l1.effective_rank : null, `${id}-effective-rank`), `${id}-effective-rank`),
      noteOr(
        notes.ranks || (l1 && l1.numerical_rank === null && notes.numerical_rank[0]),
        () => numCell(l1 ? l1.numerical_rank : null, `${id}-numerical-rank`),
        `${id}-numerical-rank`,
      ),
      noteOr(notes.outside_span, () => numCell(c.outside_span, `${id}-outside-span`, 3), `${id}-outside-span`),
      noteOr(notes.ranks, () => cell('td', rb ? `${fmt(rb.measured, 3)} ≤ ${fmt(rb.bound, 3)}` : '—', { class: 'num', title: rb ? rb.kind : '' })),
    ];
  });
}

export function setClaimsPreset(preset, modified) {
  claimsOf = preset ? { preset, modified: !!modified } : null;
  claimsShown = null;
  $('#claims-box').hidden = !claimsOf;
  $('#claims-table').textContent = '';
  $('#claims-note').textContent = claimsOf ? 'waiting for the first snapshot…' : '';
}

/** The claim's words, then its comparison and threshold kept on one line ("< 5.0000e-9" never splits). */
function claimCell(c) {
  const th = cell('th', `${c.claim} `, { scope: 'row', title: c.quantity });
  th.append(cell('span', `${c.comparison} ${fmt(c.threshold, 6)}`, { class: 'nowrap' }));
  return th;
}

/** Table rows of Rust's checked claims (status, claim, measured, where, why); test ids `${prefix}-${i}-…`. */
export function claimRows(claims, prefix) {
  return claims.map((c, i) => [
    cell('td', CLAIM_STATUS[c.status] || c.status, { class: `claim-status ${c.status}`, 'data-testid': `${prefix}-${i}-status`, 'data-status': c.status }),
    claimCell(c),
    numCell(c.measured, `${prefix}-${i}-measured`, 6),
    cell('td', c.at, { class: 'muted' }),
    cell('td', c.why, { class: 'muted why' }),
  ]);
}

/**
 * The claims of the run's preset from snapshot `s` (`s.claims`, checked by
 * Rust: measured value, status, why). A snapshot without them (the analysis
 * worker's, for a wide net) leaves the last ones shown, saying from which step,
 * but only while it is of the same config: claims checked on another run (the
 * previous preset's, snapshotted when the preset changed) are cleared.
 */
export function renderClaims(s) {
  if (!claimsOf || !s) return;
  const step = s.tasks.length ? s.tasks[0].current.step : null;
  const claims = s.claims || [];
  if (!claims.length) {
    if (claimsShown && claimsShown.config !== JSON.stringify(s.config)) {
      claimsShown = null;
      $('#claims-table').textContent = '';
    }
    if (claimsShown && step !== claimsShown.step) $('#claims-note').textContent = `as checked at step ${claimsShown.step} (this snapshot carries none)`;
    else if (!claimsShown) {
      $('#claims-note').textContent = `No claim of ${claimsOf.preset} applies to this single run: its claims are about the points of its sweep, checked in the Sweep panel as they finish (Run the ${claimsOf.preset} sweep).`;
    }
    return;
  }
  claimsShown = { step, config: JSON.stringify(s.config) };
  fillTable($('#claims-table'), ['', 'claim', 'measured', 'where', 'check'], claimRows(claims, 'claim'));
  const pass = claims.filter((c) => c.status === 'pass').length;
  const modified = claimsOf.modified ? ' — config changed from the preset: checked on yours' : '';
  $('#claims-note').textContent = `${pass} of ${claims.length} claims of ${claimsOf.preset} hold at step ${step}${modified}`;
}

// ---------------------------------------------------------------- layers

/**
 * Per task and layer: ‖W_k‖_F, the alignment cosines and 1 − cos (instantaneous
 * and against the averaged gradient; Rust's note where a gradient is at
 * rounding level), and both sides of the norm identity λ‖W_k‖²_F = (1/n)Σ⟨−∂ℓ/∂f, f⟩.
 */
function renderLayers(s) {
  const cmp = s.compare || null;
  const rows = layerRows(s, cmp ? 'A' : '').concat(cmp ? layerRows(cmp.summary, 'B') : []);
  fillTable(
    $('#layer-table'),
    ['task: layer', '‖W_k‖_F', 'cos(W_k, −∇L)', '1 − cos', 'cos(W_k, −ḡ) averaged', '1 − cos averaged', 'λ‖W_k‖²_F', '(1/n)Σ⟨−∂ℓ/∂f, f⟩'],
    rows,
  );
}
