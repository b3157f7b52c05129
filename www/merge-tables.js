// The merge tables: every net on every task, what each merge method did, the
// pair diagnostics, the overlap of the tasks' inputs and of the trained nets,
// and the derived merge bound. With a comparison, run B's rows follow A's in
// every table (row headers "A · …" / "B · …", B's test ids prefixed "b-"), as
// in the Now table. Every number is Rust's (the snapshot's merge report),
// shown with its exact value in data-value.

import { $, cell, fillTable, numCell } from './dom.js';
import { fmt, fmtInt } from './format.js';

/** The tables filled from the merge report. */
const MERGE_TABLES = ['#merge-table', '#methods-table', '#overlap-table', '#bound-table', '#diag-table', '#energy-table', '#path-table'];

/**
 * Fill the merge tables from snapshot summary `s` (with `s.compare.summary`, run B's too).
 * A rewound step whose merged nets are being trained again (`s.merge_pending`, Rust's
 * note) shows that note instead: no latest numbers in their place.
 */
export function renderMergeTables(s) {
  if (!s.merge) {
    if (s.merge_pending) for (const id of MERGE_TABLES) fillTable($(id), ['merged nets'], [[cell('td', s.merge_pending)]]);
    return;
  }
  const b = s.compare && s.compare.summary.merge ? s.compare.summary : null;
  const runs = b ? [[s, 'A'], [b, 'B']] : [[s, '']];
  const rows = (f) => runs.flatMap(([summary, run]) => f(summary, run));
  const tasks = [];
  for (const [summary] of runs) for (const t of summary.tasks) if (!tasks.includes(t.task)) tasks.push(t.task);

  const head = ['net'];
  for (const t of tasks) head.push(`acc ${t}`, `loss ${t}`, `Δf ${t}`);
  fillTable($('#merge-table'), head, rows((x, run) => netRows(x, run, tasks)));
  fillTable($('#methods-table'), ['method', 'what it did'], rows(methodRows));
  fillTable(
    $('#overlap-table'),
    ['pair', 'max |⟨x, x′⟩|', 'mean |⟨x, x′⟩|', 'principal angles', 'hidden overlap ‖UₐᵀU_b‖₂', 'cross-talk ‖W₁ᵇXₐᵀ‖_F'],
    rows(overlapRows),
  );
  const brows = rows(boundRows);
  if (brows.length) {
    fillTable($('#bound-table'), ['sum merge', 'max |f_sum − f_own|', 'derived bound', 'check'], brows);
  } else {
    fillTable($('#bound-table'), ['derived merge bound'], [[cell('td', 'not applicable: it needs a shallow net (one hidden layer) with a fixed shared output layer and λ > 0')]]);
  }
  if (runs.some(([x]) => x.merge.diagnostics)) {
    fillTable(
      $('#diag-table'),
      ['pair, layer', 'cos(τₐ, τ_b)', 'sign conflicts', 'input overlap (max cos)', 'input overlap (mean cos²)', 'output overlap (max cos)', 'output overlap (mean cos²)', 'directions rₐ, r_b'],
      rows(pairRows),
    );
    fillTable($('#energy-table'), ['net, layer', 'top n', 'energy of τ = W − W₀', 'energy of W'], rows(energyRows));
    fillTable($('#path-table'), ['path θ_start + t·(…)', 'start net’s task: loss at t = 0', 't = 1', 'barrier', 'added net’s task: loss at t = 0', 't = 1', 'barrier'], rows(pathRows));
  }
}

/** A row header: `text`, prefixed with the run ('A · ', 'B · ') while comparing. */
function rowHead(run, text, cls) {
  return cell('th', run ? `${run} · ${text}` : text, cls ? { scope: 'row', class: cls } : { scope: 'row' });
}

/** The test-id prefix of run `run`'s cells: 'b-' for B (as the Now table's). */
const pre = (run) => (run === 'B' ? 'b-' : '');

/** Every net of summary `s` on every task in `tasks` (its own nets, then the merged ones). */
function netRows(s, run, tasks) {
  const merge = s.merge;
  const own = s.tasks.map((t) => t.task);
  const nets = [];
  for (const e of merge.evals) if (!nets.includes(e.net)) nets.push(e.net);
  return nets.map((n) => {
    const r = [rowHead(run, own.includes(n) ? `net ${n}` : n, own.includes(n) ? null : 'merged')];
    for (const t of tasks) {
      const e = merge.evals.find((x) => x.net === n && x.task === t);
      r.push(
        numCell(e ? e.accuracy : null, `${pre(run)}merge-${n}-${t}-accuracy`),
        numCell(e ? e.loss : null, `${pre(run)}merge-${n}-${t}-loss`),
        numCell(e ? e.max_output_change : null, `${pre(run)}merge-${n}-${t}-change`, 3),
      );
    }
    return r;
  });
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

function methodRows(s, run) {
  const names = s.tasks.map((t) => t.task);
  return (s.merge.methods || []).map((d) => [rowHead(run, d.method, 'merged'), cell('td', methodText(d, names), { 'data-testid': `${pre(run)}method-${d.method}` })]);
}

/** Overlap statistics of the inputs and of the trained nets, per pair of tasks. */
function overlapRows(s, run) {
  const merge = s.merge;
  return s.overlap.pairs.map((p) => {
    const ang = p.principal_angles_deg || [];
    const same = (h) => (h.a === p.a && h.b === p.b) || (h.a === p.b && h.b === p.a);
    const hidden = merge.hidden_overlap.filter(same);
    const cross = merge.cross_talk.filter(same);
    const id = `${pre(run)}overlap-${p.a}-${p.b}`;
    return [
      rowHead(run, `${p.a} – ${p.b}`),
      numCell(p.max_abs_inner, `${id}-max-inner`, 3),
      numCell(p.mean_abs_inner, `${id}-mean-inner`, 3),
      cell('td', ang.length ? `${fmt(ang[0], 3)}° … ${fmt(ang[ang.length - 1], 3)}° (${ang.length})` : '—', { class: 'num' }),
      cell('td', hidden.length ? hidden.map((h) => `L${h.layer}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
      cell('td', cross.length ? cross.map((h) => `${h.b}→${h.a}: ${fmt(h.value, 3)}`).join(', ') : '—', { class: 'num' }),
    ];
  });
}

/** The derived bound on the sum merge's output change, per task (none where it does not apply). */
function boundRows(s, run) {
  return s.merge.bound.map((b) => [
    rowHead(run, `task ${b.task}`),
    numCell(b.max_change, `${pre(run)}bound-${b.task}-change`, 3),
    numCell(b.max_bound, `${pre(run)}bound-${b.task}-bound`, 3),
    cell('td', b.holds ? 'holds' : 'VIOLATED', { class: b.holds ? 'ok' : 'bad' }),
  ]);
}

/** The pair diagnostics: task-vector cosines and sign conflicts, subspace overlaps. */
function pairRows(s, run) {
  const diag = s.merge.diagnostics;
  if (!diag) return [];
  return diag.pairs.map((p) => {
    const id = `${pre(run)}diag-${p.a}-${p.b}-${p.layer}`;
    return [
      rowHead(run, `${p.a} – ${p.b}, W${p.layer}`),
      numCell(p.task_cosine, `${id}-cosine`, 3),
      numCell(p.sign_conflicts, `${id}-signs`, 3),
      numCell(p.input_overlap, `${id}-input`, 3),
      numCell(p.input_overlap_mean, `${id}-input-mean`, 3),
      numCell(p.output_overlap, `${id}-output`, 3),
      numCell(p.output_overlap_mean, `${id}-output-mean`, 3),
      cell('td', `${p.rank_a}, ${p.rank_b}${p.forced[0] ? ' (input forced)' : ''}${p.forced[1] ? ' (output forced)' : ''}`, { class: 'num' }),
    ];
  });
}

/** Top-n energy of each net's task vector and weights, per layer. */
function energyRows(s, run) {
  const diag = s.merge.diagnostics;
  if (!diag) return [];
  return diag.energy.map((e) => [
    rowHead(run, `net ${e.net}, W${e.layer}`),
    cell('td', e.trivial ? `${e.top} (all: trivially 1)` : String(e.top), { class: 'num' }),
    numCell(e.task_energy, `${pre(run)}energy-${e.net}-${e.layer}-task`, 4),
    numCell(e.weight_energy, `${pre(run)}energy-${e.net}-${e.layer}-weight`, 4),
  ]);
}

/** The interference paths θ_start + t·(…): losses at both ends and the barrier on each task. */
function pathRows(s, run) {
  const diag = s.merge.diagnostics;
  if (!diag) return [];
  const last = (xs) => (xs && xs.length ? xs[xs.length - 1] : null);
  return diag.paths.map((p) => {
    const name = p.path === 'weights' ? `θ${p.a} + t·θ${p.b}` : `θ${p.a} + t·(θ${p.b} − θ₀)`;
    const id = `${pre(run)}path-${p.a}-${p.b}-${p.path}`;
    return [
      rowHead(run, name),
      numCell(p.loss_a[0], `${id}-a0`, 3),
      numCell(last(p.loss_a), `${id}-a1`, 3),
      numCell(p.barrier_a, `${id}-barrier-a`, 3),
      numCell(p.loss_b[0], `${id}-b0`, 3),
      numCell(last(p.loss_b), `${id}-b1`, 3),
      numCell(p.barrier_b, `${id}-barrier-b`, 3),
    ];
  });
}
