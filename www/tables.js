// The tables of the current numbers: every task's metrics, every net on
// every task, what each merge method did and the pair diagnostics, the
// overlap of the tasks' inputs and of the trained nets, and the derived merge
// bound. Where Rust's notes say a number is not one (rounding level,
// ambiguous rank, collapsed net), the note is shown instead. Filled from the snapshot the page shows; every
// number is Rust's, shown with its exact value in data-value.

import { $, cell, fillTable, numCell } from './dom.js';
import { fmt, fmtInt } from './format.js';

/** A cell with Rust's note (why there is no number) if there is one, else `number()`. */
function noteOr(note, number, testid) {
  return note ? cell('td', note, { class: 'note', 'data-testid': testid }) : number();
}

/** The tables filled from the merge report. */
const MERGE_TABLES = ['#merge-table', '#methods-table', '#overlap-table', '#bound-table', '#diag-table', '#energy-table', '#path-table'];

/** Fill the tables from snapshot `s` (its current metrics and merge report). */
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

  const merge = s.merge;
  if (!merge) {
    // A rewound step whose merged nets are being trained again (Rust's note): no latest numbers in their place.
    if (s.merge_pending) for (const id of MERGE_TABLES) fillTable($(id), ['merged nets'], [[cell('td', s.merge_pending)]]);
    return;
  }
  // Every net on every task.
  const tasks = s.tasks.map((t) => t.task);
  const nets = [];
  for (const e of merge.evals) if (!nets.includes(e.net)) nets.push(e.net);
  const head = ['net'];
  for (const t of tasks) head.push(`acc ${t}`, `loss ${t}`, `Δf ${t}`);
  const mrows = nets.map((n) => {
    const r = [cell('th', tasks.includes(n) ? `net ${n}` : n, { scope: 'row' })];
    for (const t of tasks) {
      const e = merge.evals.find((x) => x.net === n && x.task === t);
      r.push(
        numCell(e ? e.accuracy : null, `merge-${n}-${t}-accuracy`),
        numCell(e ? e.loss : null, `merge-${n}-${t}-loss`),
        numCell(e ? e.max_output_change : null, `merge-${n}-${t}-change`, 3),
      );
    }
    if (!tasks.includes(n)) r[0].classList.add('merged');
    return r;
  });
  fillTable($('#merge-table'), head, mrows);
  renderMergeDetails(merge, s.tasks.map((t) => t.task));
  renderDiagnostics(merge.diagnostics);

  // Overlap statistics of the inputs and of the trained nets.
  const orows = s.overlap.pairs.map((p) => {
    const ang = p.principal_angles_deg || [];
    const hidden = merge.hidden_overlap.filter((h) => (h.a === p.a && h.b === p.b) || (h.a === p.b && h.b === p.a));
    const cross = merge.cross_talk.filter((h) => (h.a === p.a && h.b === p.b) || (h.a === p.b && h.b === p.a));
    return [
      cell('th', `${p.a} – ${p.b}`, { scope: 'row' }),
      numCell(p.max_abs_inner, `overlap-${p.a}-${p.b}-max-inner`, 3),
      numCell(p.mean_abs_inner, `overlap-${p.a}-${p.b}-mean-inner`, 3),
      cell('td', ang.length ? `${fmt(ang[0], 3)}° … ${fmt(ang[ang.length - 1], 3)}° (${ang.length})` : '—', { class: 'num' }),
      cell('td', hidden.length ? hidden.map((h) => `L${h.layer}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
      cell('td', cross.length ? cross.map((h) => `${h.b}→${h.a}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
    ];
  });
  fillTable(
    $('#overlap-table'),
    ['pair', 'max |⟨x, x′⟩|', 'mean |⟨x, x′⟩|', 'principal angles', 'hidden overlap ‖UₐᵀU_b‖₂', 'cross-talk ‖W₁ᵇXₐᵀ‖_F'],
    orows,
  );
  const brows = merge.bound.map((b) => [
    cell('th', `task ${b.task}`, { scope: 'row' }),
    numCell(b.max_change, `bound-${b.task}-change`, 3),
    numCell(b.max_bound, `bound-${b.task}-bound`, 3),
    cell('td', b.holds ? 'holds' : 'VIOLATED', { class: b.holds ? 'ok' : 'bad' }),
  ]);
  if (brows.length) {
    fillTable($('#bound-table'), ['sum merge', 'max |f_sum − f_own|', 'derived bound', 'check'], brows);
  } else {
    fillTable($('#bound-table'), ['derived merge bound'], [[cell('td', 'not applicable: it needs a shallow net (one hidden layer) with a fixed shared output layer and λ > 0')]]);
  }
}

/** One line per merge method: what it did (counts and ranks as Rust reported them). */
function methodText(d, taskNames) {
  if (d.regmean) {
    return d.regmean.map((l) => `W${l.layer}: ΣG used in ${l.rank} of ${l.dim} directions, ridge ε = ${fmt(l.ridge, 2)}`).join('; ');
  }
  if (d.ties) {
    const t = d.ties;
    return `kept the top ${fmtInt(t.kept)} of ${fmtInt(t.entries)} entries of each task vector; ${fmtInt(t.conflicts)} entries had kept values of both signs (sign elected); ${fmtInt(t.untouched)} left at θ₀; α = ${fmt(d.alpha)}`;
  }
  if (d.dare) {
    return `kept ${d.dare.kept.map(fmtInt).join(', ')} of ${fmtInt(d.dare.entries)} entries (per task), rescaled by 1/(1 − p); α = ${fmt(d.alpha)}`;
  }
  if (d.spectral_ranks) {
    return d.spectral_ranks
      .map((ranks, t) => `net ${taskNames[t]}: ` + ranks.map((r, l) => (r ? `W${l + 1} rank ${r}` : null)).filter((x) => x).join(', '))
      .join('; ');
  }
  if (d.alpha !== undefined && d.alpha !== null) return `θ₀ + α·Σ(θ_t − θ₀), α = ${fmt(d.alpha)}`;
  return d.method === 'sum' ? 'trained layers added, fixed layers copied once' : 'trained layers averaged';
}

/** `taskNames`: the snapshot's task names, in task order (Rust's). */
function renderMergeDetails(merge, taskNames) {
  const rows = (merge.methods || []).map((d) => [
    cell('th', d.method, { scope: 'row', class: 'merged' }),
    cell('td', methodText(d, taskNames), { 'data-testid': `method-${d.method}` }),
  ]);
  fillTable($('#methods-table'), ['method', 'what it did'], rows);
}

/** The pair diagnostics: task-vector cosines and sign conflicts, subspace overlaps, top-n energy, interference paths. */
function renderDiagnostics(diag) {
  if (!diag) return;
  const prow = diag.pairs.map((p) => {
    const id = `diag-${p.a}-${p.b}-${p.layer}`;
    return [
      cell('th', `${p.a} – ${p.b}, W${p.layer}`, { scope: 'row' }),
      numCell(p.task_cosine, `${id}-cosine`, 3),
      numCell(p.sign_conflicts, `${id}-signs`, 3),
      numCell(p.input_overlap, `${id}-input`, 3),
      numCell(p.input_overlap_mean, `${id}-input-mean`, 3),
      numCell(p.output_overlap, `${id}-output`, 3),
      numCell(p.output_overlap_mean, `${id}-output-mean`, 3),
      cell('td', `${p.rank_a}, ${p.rank_b}${p.forced[0] ? ' (input forced)' : ''}${p.forced[1] ? ' (output forced)' : ''}`, { class: 'num' }),
    ];
  });
  fillTable(
    $('#diag-table'),
    ['pair, layer', 'cos(τₐ, τ_b)', 'sign conflicts', 'input overlap (max cos)', 'input overlap (mean cos²)', 'output overlap (max cos)', 'output overlap (mean cos²)', 'directions rₐ, r_b'],
    prow,
  );
  const erow = diag.energy.map((e) => [
    cell('th', `net ${e.net}, W${e.layer}`, { scope: 'row' }),
    cell('td', e.trivial ? `${e.top} (all: trivially 1)` : String(e.top), { class: 'num' }),
    numCell(e.task_energy, `energy-${e.net}-${e.layer}-task`, 4),
    numCell(e.weight_energy, `energy-${e.net}-${e.layer}-weight`, 4),
  ]);
  fillTable($('#energy-table'), ['net, layer', 'top n', 'energy of τ = W − W₀', 'energy of W'], erow);
  const last = (xs) => (xs && xs.length ? xs[xs.length - 1] : null);
  const trow = diag.paths.map((p) => {
    const name = p.path === 'weights' ? `θ${p.a} + t·θ${p.b}` : `θ${p.a} + t·(θ${p.b} − θ₀)`;
    const id = `path-${p.a}-${p.b}-${p.path}`;
    return [
      cell('th', name, { scope: 'row' }),
      numCell(p.loss_a[0], `${id}-a0`, 3),
      numCell(last(p.loss_a), `${id}-a1`, 3),
      numCell(p.barrier_a, `${id}-barrier-a`, 3),
      numCell(p.loss_b[0], `${id}-b0`, 3),
      numCell(last(p.loss_b), `${id}-b1`, 3),
      numCell(p.barrier_b, `${id}-barrier-b`, 3),
    ];
  });
  fillTable($('#path-table'), ['path θ_start + t·(…)', 'start net’s task: loss at t = 0', 't = 1', 'barrier', 'added net’s task: loss at t = 0', 't = 1', 'barrier'], trow);
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
let claimsShownAt = null; // the step of the snapshot the shown claims come from

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
  claimsShownAt = null;
  $('#claims-box').hidden = !claimsOf;
  $('#claims-table').textContent = '';
  $('#claims-note').textContent = claimsOf ? 'waiting for the first snapshot…' : '';
}

/** Table rows of Rust's checked claims (status, claim, measured, where, why); test ids `${prefix}-${i}-…`. */
export function claimRows(claims, prefix) {
  return claims.map((c, i) => [
    cell('td', CLAIM_STATUS[c.status] || c.status, { class: `claim-status ${c.status}`, 'data-testid': `${prefix}-${i}-status`, 'data-status': c.status }),
    cell('th', `${c.claim} ${c.comparison} ${fmt(c.threshold, 6)}`, { scope: 'row', title: c.quantity }),
    numCell(c.measured, `${prefix}-${i}-measured`, 6),
    cell('td', c.at, { class: 'muted' }),
    cell('td', c.why, { class: 'muted' }),
  ]);
}

/**
 * The claims of the run's preset from snapshot `s` (`s.claims`, checked by
 * Rust: measured value, status, why). A snapshot without them (the analysis
 * worker's, for a wide net) leaves the last ones shown, saying from which step.
 */
export function renderClaims(s) {
  if (!claimsOf || !s) return;
  const step = s.tasks.length ? s.tasks[0].current.step : null;
  const claims = s.claims || [];
  if (!claims.length) {
    if (claimsShownAt !== null && step !== claimsShownAt) $('#claims-note').textContent = `as checked at step ${claimsShownAt} (this snapshot carries none)`;
    else if (claimsShownAt === null) {
      $('#claims-note').textContent = `No claim of ${claimsOf.preset} applies to this single run: its claims are about the points of its sweep, checked in the Sweep panel as they finish (Run the ${claimsOf.preset} sweep).`;
    }
    return;
  }
  claimsShownAt = step;
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
