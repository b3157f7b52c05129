// The overlap sweep: the page's config trained to the end for several
// overlaps ρ (mixing generator) in the training worker, one run after the
// other; then its table and the merge_overlap chart (output change of the
// summed net against the measured overlap, with the derived bound), and every
// selected merge method's accuracy and output change on task a (merge_methods).

import { $, cell, fillTable, numCell } from './dom.js';
import { run, send } from './run.js';
import * as charts from './charts.js';
import { form } from './form.js';
import { setClaimsPreset } from './tables.js';

const SWEEP_KEY = 'data.rho';
const SWEEP_VALUES = ['0', '0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8'];

let wasmLoaded = false;
let config = null; // the form's config object
let configText = null;

let presetList = []; // Rust's preset table (presets_json): name, grid, …

/** `presets`: Rust's preset table, to know which presets the overlap sweep is about. */
export function initSweep(presets = []) {
  presetList = presets;
  wasmLoaded = true;
  $('#sweep').addEventListener('click', start);
  $('#sweep-cancel').addEventListener('click', () => send('cancel_sweep'));
}

function running() {
  return !$('#sweep-cancel').hidden;
}

/** The button and its help follow the config (mixing generator, K ≥ 2). */
export function followConfig(obj, text) {
  config = obj;
  configText = text;
  followPreset();
  const sweepOk = obj.data.tasks > 1 && obj.data.generator === 'mixing';
  // A preset whose own grid does not sweep ρ (merge-lambda, assumptions) is not about the overlap: no button.
  const p = presetList.find((x) => x.name === form.preset);
  const about = !p || !p.grid.length || p.grid.some((g) => g.startsWith(`${SWEEP_KEY}=`));
  $('.sweep').hidden = !about && !charts.hasSweep() && !running();
  $('#sweep').disabled = !sweepOk || !wasmLoaded;
  $('#sweep').title = sweepOk ? '' : 'needs the mixing generator and at least two tasks';
  if (!charts.hasSweep() && !running()) {
    $('#sweep-status').textContent = sweepOk ? '' : 'Available with the mixing generator (data.generator = mixing), e.g. the merge-overlap preset.';
  }
}

function setRunning(on) {
  $('#sweep').disabled = on;
  $('#sweep-cancel').hidden = !on;
  $('#sweep-progress').hidden = !on;
}

function start() {
  if (run.playing) send('pause');
  setRunning(true);
  $('#sweep-status').textContent = 'starting…';
  send('sweep', { config: configText, key: SWEEP_KEY, values: SWEEP_VALUES });
}

/** A new run: a running sweep stops, and a finished one (of the previous config) goes. */
export function newRun() {
  cancel();
  if (charts.hasSweep()) {
    charts.setSweep(null);
    charts.setMethodsSweep(null);
    $('#sweep-table').textContent = '';
    $('#methods-sweep-table').textContent = '';
    $('#sweep-status').textContent = '';
    followConfig(config, configText);
  }
}

/** Stop a running sweep (an imported run replaces the current one). */
export function cancel() {
  if (running()) send('cancel_sweep');
}

/** The worker crashed: a running sweep is lost. */
export function crashed() {
  if (running()) {
    setRunning(false);
    $('#sweep-status').textContent = 'sweep stopped: the worker crashed';
  }
}

/** sweep_progress, sweep_done and sweep_cancelled from the worker. */
export function onMessage(m) {
  if (m.type === 'sweep_progress') {
    const bar = $('#sweep-progress');
    bar.max = m.total;
    bar.value = m.done;
    $('#sweep-status').textContent = `${m.done} / ${m.total} runs trained`;
  } else if (m.type === 'sweep_done') {
    done(m);
  } else if (m.type === 'sweep_cancelled') {
    setRunning(false);
    $('#sweep-status').textContent = 'sweep cancelled';
  }
}

function done(m) {
  setRunning(false);
  followConfig(config, configText);
  const finals = m.results.map((r) => JSON.parse(r));
  const points = [];
  const bound = [];
  const rows = [];
  finals.forEach((f, i) => {
    const pair = f.overlap && f.overlap.pairs && f.overlap.pairs[0];
    const b = f.merge_bound && f.merge_bound[0];
    const acc = f.merge && f.merge.sum && f.merge.sum.a ? f.merge.sum.a.accuracy : null;
    if (pair && b) {
      points.push([pair.max_abs_inner, b.max_change]);
      bound.push([pair.max_abs_inner, b.max_bound]);
    }
    rows.push([
      cell('th', `ρ = ${m.values[i]}`, { scope: 'row' }),
      numCell(pair ? pair.max_abs_inner : null, null, 3),
      numCell(b ? b.max_change : null, `sweep-${i}-change`, 3),
      numCell(b ? b.max_bound : null, `sweep-${i}-bound`, 3),
      cell('td', b ? (b.holds ? 'holds' : 'VIOLATED') : '—', { class: b ? (b.holds ? 'ok' : 'bad') : '' }),
      numCell(acc, null),
    ]);
  });
  fillTable($('#sweep-table'), ['run', 'max |⟨x_a, x_b⟩|', 'max |f_sum − f_a| on a', 'derived bound', 'check', 'sum accuracy on a'], rows);
  showMethodsSweep(m.values, finals);
  if (!points.length) {
    $('#sweep-status').textContent =
      'No bound to plot: the derived merge bound needs a shallow net (one hidden layer) with a fixed shared output layer and λ > 0.';
    charts.setSweep(null);
    return;
  }
  $('#sweep-status').textContent = `${finals.length} runs trained (ρ = ${SWEEP_VALUES[0]} … ${SWEEP_VALUES[SWEEP_VALUES.length - 1]})`;
  charts.setSweep(
    JSON.stringify({
      title: 'Summed net: output change on task a vs input overlap',
      x_label: 'max |⟨x_a, x_b⟩| (measured input overlap)',
      y_label: 'max |f_sum(x) − f_a(x)| on task a',
      points,
      bound,
      log_x: false,
      log_y: false,
    }),
  );
}

/** Every selected merge method's accuracy and output change on task a across the sweep (chart and table). */
function showMethodsSweep(values, finals) {
  const methods = config.merge.methods;
  charts.setMethodsSweep(JSON.stringify({ key: `overlap ρ (${SWEEP_KEY})`, values: values.map(Number), methods, finals }));
  const head = ['run'];
  for (const meth of methods) head.push(`${meth}: acc a`, `${meth}: Δf a`);
  const rows = finals.map((f, i) => {
    const r = [cell('th', `ρ = ${values[i]}`, { scope: 'row' })];
    for (const meth of methods) {
      const e = f.merge && f.merge[meth] && f.merge[meth].a;
      r.push(numCell(e ? e.accuracy : null, `msweep-${i}-${meth}-accuracy`, 3), numCell(e ? e.max_output_change : null, `msweep-${i}-${meth}-change`, 3));
    }
    return r;
  });
  fillTable($('#methods-sweep-table'), head, rows);
}

// ---------------------------------------------------------------- claims

let claimsSent = undefined; // the preset last named to the training worker

/** The training worker checks the claims of the form's preset in every snapshot (Lab.check_claims). */
function followPreset() {
  const preset = form.preset || null;
  if (preset !== claimsSent) {
    claimsSent = preset;
    send('claims', { preset });
  }
  setClaimsPreset(preset, form.modified);
}

/** A new training worker (after a crash) is told the preset again. */
export function workerStarted() {
  if (claimsSent) send('claims', { preset: claimsSent });
}
