// The run bar: status, step counter, progress bar, steps/s and ETA, the
// stationarity gauge, the divergence banner with its "continue with a smaller
// η" button, the η hint, the line of live λ/η changes, and which run buttons
// are enabled. It shows what run.js holds; it decides nothing about the run.
//
// While training, the progress line, gauge and status are redrawn at most
// every PROGRESS_MS (the worker reports after every ~20 ms budget): each DOM
// change costs the page a style, layout, paint and commit, which on two cores
// competes with training. The newest report waits and flush() (called every
// animation frame while one waits: charts.wake) shows it.

import { wake } from './charts.js';
import { $ } from './dom.js';
import { fmt, fmtDuration, fmtInt } from './format.js';
import { run } from './run.js';

const PROGRESS_MS = 100;
let shownAt = -Infinity;
let pending = null;
let view = null;

/**
 * `v`: taskNames() (of the shown snapshot, or []), keptStep(task) (its step
 * in the shown snapshot, or null), continueWith(lr)
 * (the divergence button), invalid() ([key, message] of the fields Rust refused).
 */
export function initStatus(v) {
  view = v;
}

/** The status word(s) the progress implies. */
function statusText() {
  const progress = run.progress;
  if (!progress) return 'initialising';
  const st = progress.status || [];
  const div = st.find((s) => s.state === 'diverged');
  if (div) return `diverged at step ${div.step}`;
  if (st.some((s) => s.state === 'stalled')) return 'stalled';
  if (!progress.running) return 'done';
  // After Pause the worker's reports still say it trains until it has stopped and
  // posted the paused state's snapshot: only then "paused" (never over older numbers).
  if (run.playing || run.workerPlaying) return 'running';
  return progress.step === 0 ? 'ready' : 'paused';
}

/** Show `text` as the status (null: what the progress implies). */
export function setStatus(text) {
  const t = text === null ? statusText() : text;
  const el = $('#status');
  el.textContent = t;
  el.dataset.state = t.split(' ')[0];
  // A run at step 0 has recorded nothing: its history charts say "no data yet", and this says why.
  $('#charts-hint').hidden = el.dataset.state !== 'ready';
}

/** A progress report from the worker: shown now, or at the next flush while training. */
export function onProgress(m) {
  if (m.playing && performance.now() - shownAt < PROGRESS_MS) {
    pending = m;
    wake();
    return;
  }
  showProgress(m);
}

/** Show the waiting progress report once PROGRESS_MS have passed; true while one still waits. */
export function flush() {
  if (pending && performance.now() - shownAt >= PROGRESS_MS) showProgress(pending);
  return pending !== null;
}

/** Drop a waiting report (a new run follows). */
export function clearPending() {
  pending = null;
}

function showProgress(m) {
  const p = m.progress;
  pending = null;
  shownAt = performance.now();
  const gf = p.optimizer === 'gf';
  $('#step-count').textContent = String(p.step);
  $('#step-total').textContent = gf ? '' : ` / ${fmtInt(p.total_steps)}`;
  $('#time-line').textContent = gf ? `t = ${fmt(p.time)} / ${fmt(p.total_time)}` : `t = ${fmt(p.time)}`;
  const bar = $('#progress');
  bar.max = gf ? p.total_time : p.total_steps;
  bar.value = gf ? p.time : p.step;
  const rate = m.stepsPerSec;
  $('#rate').textContent = rate ? `${fmtInt(rate)} steps/s` : '';
  if (p.running && rate && m.playing) {
    const left = gf ? null : (p.total_steps - p.step) / rate;
    $('#eta').textContent = left === null ? '' : `ETA ${fmtDuration(left)}`;
  } else {
    $('#eta').textContent = '';
  }
  renderGauge(m.stationarity);
  renderDivergence(p);
  setStatus(null);
  updateButtons();
}

// `g` is Rust's gauge reading {value, note}; the note, when present, says why there is no number.
function renderGauge(g) {
  const v = g ? g.value : null;
  $('#gauge-value').textContent = g && g.note ? g.note : v === null || v === undefined ? '—' : fmt(v, 3);
  // Fill: 0 at residual ≥ 1, full at ≤ 1e-8 (log scale).
  const fill = $('#gauge-fill');
  let frac = 0;
  if (typeof v === 'number' && v > 0 && Number.isFinite(v)) frac = Math.min(1, Math.max(0, -Math.log10(v) / 8));
  else if (v === 0) frac = 1;
  fill.style.width = `${(frac * 100).toFixed(1)}%`;
  fill.dataset.level = frac > 0.5 ? 'good' : frac > 0.2 ? 'mid' : 'low';
}

function renderDivergence(p) {
  const el = $('#divergence');
  const st = p.status || [];
  const shown = view.taskNames();
  const names = shown.length ? shown : p.tasks || []; // Rust's task names (Run::progress)
  const div = st.map((s, i) => [s, names[i]]).filter(([s]) => s.state === 'diverged');
  const stalled = st.map((s, i) => [s, names[i]]).filter(([s]) => s.state === 'stalled');
  if (!div.length) renderLrHint(null);
  if (!div.length && !stalled.length) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.textContent = '';
  if (div.length) {
    const [s, task] = div[0];
    // Rust decides the step size to continue with (Trainer::suggest_lr: min(0.9·2/(h + λ), η/2),
    // h the loss curvature at the last finite state); a state saved before it has none (null).
    const suggested = typeof s.suggested_lr === 'number' && Number.isFinite(s.suggested_lr) && s.suggested_lr > 0;
    const suggestion = suggested ? String(Number(s.suggested_lr.toPrecision(3))) : null;
    const why = 'min(0.9·2/(h + λ), η/2), with h the loss curvature at the last finite state';
    // Where θ was put back to (the last checkpoint with a finite loss and gradient).
    const own = view.keptStep(task);
    const kept = task === names[0] || own === null ? p.step : own;
    const msg = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = `Training diverged at step ${s.step}`;
    msg.append(
      strong,
      document.createTextNode(
        `: the ${s.quantity} of task ${task}${div.length > 1 ? ` (and ${div.length - 1} more task${div.length > 2 ? 's' : ''})` : ''} became non-finite (NaN or ∞). ` +
          `Training stopped there and kept the last finite state, at step ${kept}; the charts show it. ` +
          (suggestion === null
            ? 'Continue from it with a smaller step size.'
            : `Continue from it with a smaller step size, e.g. η = ${suggestion} (${why}).`),
      ),
    );
    el.append(msg);
    renderLrHint(suggestion, s.step);
    if (suggestion === null) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `Continue from step ${kept} with η = ${suggestion}`;
    b.dataset.testid = 'use-smaller-lr';
    b.addEventListener('click', () => view.continueWith(suggestion));
    el.append(b);
  } else {
    const [s, task] = stalled[0];
    const msg = document.createElement('p');
    const strong = document.createElement('strong');
    strong.textContent = `Gradient flow stalled at time t = ${fmt(s.time)}`;
    msg.append(
      strong,
      document.createTextNode(
        ` (task ${task}): the adaptive step size fell to ${fmt(s.step_size, 3)} without meeting the tolerance. ` +
          'The dynamics are too stiff here: try a smaller λ or time budget, a looser train.rtol, or gradient descent with a small η.',
      ),
    );
    el.append(msg);
  }
}

/** The suggested η next to the η control after a divergence (null clears it). */
function renderLrHint(suggestion, step) {
  const el = $('#lr-hint');
  if (!el) return;
  el.textContent = suggestion === null ? '' : `diverged at step ${step}: try η = ${suggestion}`;
  el.dataset.value = suggestion === null ? '' : String(suggestion);
}

/** No divergence banner and no η hint (a reset, a new run, or continuing). */
export function clearDivergence() {
  $('#divergence').hidden = true;
  renderLrHint(null);
}

/** The line of λ/η changes made while training. */
export function renderLiveChanges() {
  // A run from a link with a schedule: its changes, as the record lists them.
  const sched = run.liveChanges.length === 0 && run.record && run.record.config.train.schedule ? run.record.config.train.schedule : [];
  const changes = run.liveChanges.length
    ? run.liveChanges
    : sched.map((c) => [c.lambda !== undefined ? `λ = ${c.lambda}` : null, c.lr !== undefined ? `η = ${c.lr}` : null].filter(Boolean).join(', ') + ` from step ${c.step}`);
  const el = $('#live');
  el.hidden = changes.length === 0;
  const label = run.liveChanges.length ? 'changed live' : 'scheduled by the link';
  el.textContent = changes.length ? `${label}: ${changes.slice(-2).join('; ')}${changes.length > 2 ? ' …' : ''}` : '';
  el.title = changes.length
    ? `Changed while training: ${changes.join('; ')}. The link holds them (train.schedule), so it reproduces this run.`
    : '';
}

/** Under the link: whether it reproduces the run (Rust's record says; its note says why not). */
export function renderLinkNote(record) {
  const el = $('#link-note');
  const sched = record && record.config.train.schedule ? record.config.train.schedule.length : 0;
  if (record && !record.reproducible) {
    el.textContent = `This link cannot reproduce this run: ${record.note || 'its record says so'}.`;
    el.dataset.reproducible = 'false';
  } else {
    el.textContent = sched ? `The link holds the run’s ${sched} live change${sched > 1 ? 's' : ''} of λ/η (train.schedule): opening it repeats this run step for step.` : '';
    el.dataset.reproducible = record ? 'true' : '';
  }
}

/** A banner with `parts`: text, or [label, testid, onClick] buttons. */
function banner(el, parts) {
  el.textContent = '';
  const p = document.createElement('p');
  for (const part of parts) {
    if (typeof part === 'string') p.append(document.createTextNode(part));
    else {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = part[0];
      b.dataset.testid = part[1];
      b.addEventListener('click', part[2]);
      p.append(b);
    }
  }
  el.append(p);
  el.hidden = false;
}

/**
 * The config set aside after it crashed the lab twice (`q` from store.js):
 * show it, try it again, or discard it (`actions.tryAgain(q)`, `actions.discard()`).
 */
export function showQuarantine(q, actions) {
  const el = $('#quarantine');
  if (!q) {
    el.hidden = true;
    return;
  }
  banner(el, [
    'This configuration crashed the lab twice, so the page started from the default configuration and keeps it aside',
    q.message ? ` (last crash: ${q.message})` : '',
    ': ',
    [
      'show',
      'quarantine-show',
      () => {
        const pre = el.querySelector('pre');
        if (pre) pre.remove();
        else {
          const box = document.createElement('pre');
          box.dataset.testid = 'quarantine-config';
          box.textContent = q.link || q.config;
          el.append(box);
        }
      },
    ],
    ['try again', 'quarantine-try', () => actions.tryAgain(q)],
    ['discard', 'quarantine-discard', () => actions.discard()],
  ]);
}

/** A new run replaced a trained one (`aside`, run.js keepAside); `undo` brings it back. */
export function showRestarted(aside, undo) {
  const el = $('#restarted');
  if (!aside) {
    el.hidden = true;
    return;
  }
  const what = aside.why === 'the preset' ? 'A new preset' : `Changing ${aside.why}`;
  if (!aside.text) {
    banner(el, [`${what} starts a new run from step 0; keeping the run at step ${aside.step} aside…`]);
    return;
  }
  banner(el, [`${what} started a new run from step 0. The run you had at step ${aside.step} is kept aside: `, ['Undo', 'undo-restart', undo]]);
}

/** Which run buttons can be pressed now. */
export function updateButtons() {
  const ready = run.ready && !!run.progress;
  const running = !!(run.progress && run.progress.running);
  // A field Rust refused: Play and Step would run the last valid config, not what the form shows.
  const bad = view ? view.invalid() : [];
  const why = $('#play-why');
  why.textContent = bad.length ? `Play and Step wait: ${bad.map(([k, m]) => `${k} is invalid${m ? ` (${m})` : ''}`).join('; ')}` : '';
  const blocked = bad.length > 0;
  $('#play').disabled = !ready || run.playing || !running || blocked;
  $('#pause').disabled = !ready || !run.playing;
  $('#step').disabled = !ready || run.playing || !running || blocked;
  $('#play').title = blocked ? why.textContent : '';
  $('#reset').disabled = !ready;
  // After a burst of crashes there is no worker: a new seed starts a new run (and worker).
  $('#new-seed').disabled = !ready && !run.stopped;
}
