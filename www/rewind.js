// Rewind: a time slider over the run's recorded history. Rust rebuilds the
// snapshot at the chosen recorded step (ChartStore.rewind, src/live/rewind.rs)
// and every snapshot chart and the tables show it; the slider's right end is
// the live state, which training keeps moving. Play-back walks the slider
// through the recorded steps at a chosen rate. The merged nets and the decision
// boundaries need the weights, which are not recorded: the training worker
// trains the run again from its start to the step shown (src/live/replay.rs)
// and the page shows them when they arrive (the note says how far it is). The
// claims stay the latest state's: the page says so while rewound.
//
// DOM and scheduling only: the steps, their x values, the spacing and the
// notes come from Rust (rewind_json); what to ask the worker to replay too
// (ChartStore.replay_wanted).

import { $ } from './dom.js';
import { fmt } from './format.js';
import * as charts from './charts.js';

let view = null; // the last rewind_json(), parsed
let timer = null;
let reshow = () => {};
let askReplay = () => {};
let replaying = false; // a replay was asked for since the page was last live

/**
 * `h.reshow()`: the tables and charts show the state ChartStore now shows;
 * `h.replay(step)`: the training worker replays the run to `step` (null: drop the replay).
 */
export function initRewind(h) {
  reshow = h.reshow;
  askReplay = h.replay;
  $('#rewind-slider').addEventListener('input', () => go(Number($('#rewind-slider').value)));
  $('#rewind-play').addEventListener('click', () => (timer ? stopPlayback() : startPlayback()));
  $('#rewind-live').addEventListener('click', () => go(view ? view.steps.length : 0));
}

/** A new snapshot is held: the slider's range follows the history (a rewound step stays). */
export function followed() {
  if (!charts.snapshots || !charts.snapshots.has_snapshot()) return;
  replayIfWanted();
  view = JSON.parse(charts.snapshots.rewind_json());
  render();
}

/** The worker's answer on a replay (run.js: 'replayed', 'replay_progress' or 'replay_failed'). */
export function replayed(m) {
  // An answer for a step the slider has left (it moved on while the worker trained) is dropped.
  if (!charts.snapshots || m.step !== charts.snapshots.shown_step()) return;
  if (m.type === 'replayed') charts.snapshots.set_replayed(m.result);
  else if (m.type === 'replay_progress') charts.snapshots.replay_pending(m.step, m.at);
  else charts.snapshots.replay_failed(m.step, m.message);
  if (!charts.snapshots.has_snapshot()) return;
  view = JSON.parse(charts.snapshots.rewind_json());
  render();
  reshow();
}

/** Ask the worker for the merged nets and boundaries at the step shown, if they are wanted and not asked for yet. */
function replayIfWanted() {
  const step = charts.snapshots.replay_wanted();
  if (step === undefined) return;
  charts.snapshots.replay_pending(step, -1);
  replaying = true;
  askReplay(step);
}

/** The run is gone (a new or restored run follows): back to live, slider hidden. */
export function clear() {
  stopPlayback();
  view = null;
  if (charts.snapshots) charts.snapshots.rewind(-1);
  render();
}

/** Whether a rewound state is shown. */
export function rewound() {
  return !!(charts.snapshots && charts.snapshots.is_rewound());
}

/** Move the slider by `k` recorded steps (the [ and ] keys). */
export function moveBy(k) {
  if (!view || view.steps.length < 2) return;
  const n = view.steps.length;
  // At the live end of a finished run the last recorded point is the live state itself: [ moves past it.
  const at = position() === n && view.steps[n - 1] === view.latest ? n - 1 : position();
  go(Math.max(0, Math.min(n, at + k)));
}

/** The slider's position: an index into view.steps, or steps.length for live. */
function position() {
  if (!view || view.step === null) return view ? view.steps.length : 0;
  const i = view.steps.indexOf(view.step);
  return i < 0 ? view.steps.length : i;
}

/** Show position `i` (steps.length: live). */
function go(i) {
  if (!view) return;
  const live = i >= view.steps.length;
  charts.snapshots.rewind(live ? -1 : view.steps[i]);
  if (live && replaying) {
    // Back at the live state: the worker frees its second copy of the run.
    replaying = false;
    askReplay(null);
  }
  replayIfWanted();
  view = JSON.parse(charts.snapshots.rewind_json());
  render();
  reshow();
}

function render() {
  const box = $('#rewind');
  const n = view ? view.steps.length : 0;
  box.hidden = n < 2;
  document.body.classList.toggle('rewound', rewound());
  if (n < 2) return;
  const slider = $('#rewind-slider');
  slider.max = String(n);
  const i = position();
  slider.value = String(i);
  const live = i >= n;
  const x = live ? null : `${view.x_label} = ${fmt(view.xs[i], 6)}`;
  const label = live ? `live (step ${view.latest})` : `step ${view.steps[i]}${view.x_label === 'step' ? '' : ` (${x})`} of ${view.latest}`;
  $('#rewind-label').textContent = label;
  slider.setAttribute('aria-valuetext', label);
  $('#rewind-live').disabled = live;
  $('#rewind-spacing').textContent = `recorded every ${view.spacing} steps (${n} points)`;
  $('#rewind-note').hidden = live;
  $('#rewind-note').textContent = live ? '' : `Claims stay at the latest step (${view.latest}): ${view.not_rewound}.`;
  $('#rewind-replay').hidden = live || !view.replay_note;
  $('#rewind-replay').textContent = live ? '' : view.replay_note || '';
}

function startPlayback() {
  if (!view || view.steps.length < 2) return;
  // From the start when at the live end, else from where the slider is.
  if (position() >= view.steps.length) go(0);
  $('#rewind-play').textContent = '❚❚ Stop replay';
  const tick = () => {
    // The merged nets and boundaries of the step shown are still being trained again: wait for them.
    if (charts.snapshots.replay_waiting()) {
      timer = setTimeout(tick, 50);
      return;
    }
    const next = position() + 1;
    if (next >= view.steps.length) {
      go(view.steps.length - 1);
      stopPlayback();
      return;
    }
    go(next);
    timer = setTimeout(tick, 1000 / Number($('#rewind-speed').value));
  };
  timer = setTimeout(tick, 1000 / Number($('#rewind-speed').value));
}

function stopPlayback() {
  if (timer) clearTimeout(timer);
  timer = null;
  $('#rewind-play').textContent = '▶ Replay';
}
