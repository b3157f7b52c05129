// The tables of the current numbers: every task's metrics, every net on
// every task, the overlap of the tasks' inputs and of the trained nets, and
// the derived merge bound. Filled from the snapshot the page shows; every
// number is Rust's, shown with its exact value in data-value.

import { $, cell, fillTable, numCell } from './dom.js';
import { fmt } from './format.js';

/** Fill the tables from snapshot `s` (its current metrics and merge report). */
export function renderTables(s) {
  if (!s) return;
  // Current metrics per task.
  const rows = s.tasks.map((t) => {
    const c = t.current;
    const l1 = c.layers[0];
    const rb = c.rank_bound;
    return [
      cell('th', t.task, { scope: 'row' }),
      numCell(c.step, `task-${t.task}-step`),
      numCell(c.loss, `task-${t.task}-loss`),
      numCell(c.objective, `task-${t.task}-objective`),
      numCell(c.accuracy, `task-${t.task}-accuracy`),
      numCell(c.stationarity, `task-${t.task}-stationarity`, 3),
      numCell(l1 ? l1.stable_rank : null, `task-${t.task}-stable-rank`),
      numCell(l1 ? l1.effective_rank : null, `task-${t.task}-effective-rank`),
      numCell(l1 ? l1.numerical_rank : null, `task-${t.task}-numerical-rank`),
      numCell(c.outside_span, `task-${t.task}-outside-span`, 3),
      cell('td', rb ? `${fmt(rb.measured, 3)} ≤ ${fmt(rb.bound, 3)}` : '—', { class: 'num', title: rb ? rb.kind : '' }),
    ];
  });
  fillTable(
    $('#task-table'),
    ['task', 'step', 'loss L', 'objective F', 'accuracy', '‖∇L+λθ‖/‖λθ‖', 'stable rank W₁', 'effective rank W₁', 'numerical rank W₁', 'W₁ outside span(X)', 'stable-rank bound: measured ≤ bound'],
    rows,
  );

  const merge = s.merge;
  if (!merge) return;
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
