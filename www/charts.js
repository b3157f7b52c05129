// The charts: one card (figure, canvas, note, PNG/SVG buttons) per chart,
// drawn by Rust (plotters on the canvas) from the data Rust holds: the live
// snapshot in a ChartStore (the workers' deltas update it), the decision
// boundaries, and cards with a source of their own (the sweep's charts, drawn
// by its SweepStore: sweep.js). Cards are drawn when their data changed
// (dirty), only while on screen, oldest first, within a small time budget per
// animation frame, so the page stays responsive; drawing needs `window`, so
// it happens here, never in a worker. A frame is asked for only while there is
// work (wake()): an idle page asks for none, and each frame it does not ask for
// spares the main thread a commit, which on two cores competes with training
// and with the sweep's workers (bench/sweep-pool.mjs).

import { $, $$, download, errorText, showError } from './dom.js';
import { perf } from './perf.js';

const FRAME_MS = 33; // redraw at most ~30 times per second
const FRAME_BUDGET_MS = 14; // drawing time per frame (at least one chart)
// Text and lines of a presented chart (present.js), for the back of a room: alone, or one of a 2×2 grid.
const PRESENT_TEXT_SCALE = { one: 1.6, grid: 1.25 };

let wasm = null;
/** The live snapshot the charts draw from (a wasm ChartStore). */
export let snapshots = null;
const ownSources = new Map(); // card key → {draw(canvas, id, dpr), svg(id, w, h)} (sweep charts)
let hooks = { frame: () => {}, drawn: () => {}, stem: () => 'custom' };
const dirty = new Set();
const visible = new Set();
let lastDraw = 0;
let frameAsked = false;
let firstChartMs = null;
const T0 = performance.now();

/**
 * `h`: frame() (every animation frame; true: it still has work, ask for another), drawn() (every visible
 * chart is drawn), stem() (download file stem).
 */
export function initCharts(wasmModule, h) {
  wasm = wasmModule;
  snapshots = new wasm.ChartStore();
  hooks = h;
  // The snapshot charts' cards come from Rust's chart registry, in its order.
  for (const spec of JSON.parse(wasm.chart_cards())) $(`[data-cards="${spec.place}"]`).append(makeCard(spec));
  for (const card of chartCards()) watchCard(card);
  wake();
}

/** Work waits for the next animation frame (a chart to draw, a progress report, an ack): ask for one. */
export function wake() {
  if (frameAsked) return;
  frameAsked = true;
  requestAnimationFrame(frame);
}

/** Card `card` is to be redrawn (when on screen). */
function markDirty(card) {
  dirty.add(card);
  wake();
}

function chartCards() {
  return $$('figure.chart[data-chart]');
}

/** Whether chart `id` has something to draw. */
function chartReady(id) {
  if (ownSources.has(id)) return ownSources.get(id) !== null;
  if (id.startsWith('boundaries_')) return snapshots !== null && snapshots.has_boundaries();
  return snapshots !== null && snapshots.has_snapshot();
}

/** What chart `id` draws from (`.draw(canvas, id, dpr)`, `.svg(id, w, h)`): the live snapshot's
 * ChartStore (snapshot charts and decision boundaries, at the state shown), or the card's own source. */
function chartSource(id) {
  if (ownSources.has(id)) return ownSources.get(id);
  return snapshots;
}

/** Run B's boundary panels (JSON), with a comparison: drawn in a row under A's. */
export function setCompareBoundaries(text) {
  try {
    snapshots.set_compare_boundaries(text);
  } catch (e) {
    showError('decision boundaries of run B', errorText(e));
  }
}

/** New boundary panels (JSON) from the worker: the ChartStore parses and keeps them. */
export function setBoundaries(text) {
  try {
    snapshots.set_boundaries(text);
  } catch (e) {
    showError('decision boundaries', errorText(e));
  }
}

/**
 * A card drawn from a source of its own (`spec`: {key, caption, svgWidth,
 * svgHeight, tall}); its SVG download has the size given (the CLI's, for the
 * sweep's charts). Its source is set with setCardSource.
 */
export function sourceCard(spec) {
  const fig = makeCard({ key: spec.key, caption: '', class: spec.tall ? 'tall' : '' });
  // The caption is user-facing text from Rust (a sweep key may come from a link): text only.
  $('figcaption span', fig).textContent = spec.caption;
  fig.dataset.svgWidth = String(spec.svgWidth);
  fig.dataset.svgHeight = String(spec.svgHeight);
  ownSources.set(spec.key, null);
  watchCard(fig);
  markDirty(fig);
  return fig;
}

/** The source card `key` draws from ({draw, svg}, or null: nothing to draw); it is redrawn. */
export function setCardSource(key, source) {
  ownSources.set(key, source);
  const card = $(`figure.chart[data-chart="${CSS.escape(key)}"]`);
  if (card) markDirty(card);
}

/** Forget the run's chart data (a new or restored run follows). */
export function clearRun() {
  if (snapshots) snapshots.clear();
}

/** Every chart is redrawn when next on screen. */
export function markAllStale() {
  for (const c of chartCards()) markDirty(c);
}

function drawCard(card) {
  const id = card.dataset.chart;
  const note = $('.chart-note', card);
  const canvas = $('canvas', card);
  if (!chartReady(id)) {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return;
  }
  const box = $('.canvas-box', card).getBoundingClientRect();
  if (box.width < 10 || box.height < 10) return;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(box.width * dpr);
  const h = Math.round(box.height * dpr);
  // Rust scales text and lines by the ratio it is given: larger on a presented chart.
  const grid = card.closest('#present-grid');
  const ratio = grid ? dpr * PRESENT_TEXT_SCALE[grid.dataset.count === '1' ? 'one' : 'grid'] : dpr;
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  try {
    const source = chartSource(id);
    const report = JSON.parse(source.draw(canvas, id, ratio));
    // The canvas's text alternative: Rust's sentence with the numbers the chart shows now
    // (snapshot charts), else the card's caption.
    const ownAlt = source === snapshots && !id.startsWith('boundaries_');
    canvas.setAttribute('aria-label', ownAlt ? snapshots.alt_text(id) : $('figcaption span', card).textContent);
    // Skipped data is printed once, on the chart itself ("Not drawn: …", part of PNG/SVG exports too).
    note.textContent = '';
    note.classList.remove('warn');
    if (firstChartMs === null) {
      // Milliseconds since navigation started (performance.now()'s origin).
      firstChartMs = Math.round(performance.now());
      document.body.dataset.firstChartMs = String(firstChartMs);
      document.body.dataset.scriptStartMs = String(Math.round(T0));
      $('#timing').textContent = `first chart ${firstChartMs} ms after navigation`;
    }
  } catch (e) {
    // Nothing valid was drawn (e.g. merged nets at a rewound step not trained again yet): no stale picture under the note.
    canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
    canvas.setAttribute('aria-label', errorText(e));
    note.textContent = errorText(e);
    note.classList.add('warn');
  }
}

// Draw dirty, visible charts, oldest first, within a small time budget per
// frame (the snapshot is parsed once per new snapshot, then each chart draws
// from it); then tell the caller every visible chart is drawn. Another frame is
// asked for while charts on screen wait (the budget ran out, or this frame came
// too soon after the last drawing) or the caller still has work; a card that
// comes on screen asks for one itself (the IntersectionObserver).
function frame(now) {
  frameAsked = false;
  if (hooks.frame()) wake();
  if (now - lastDraw < FRAME_MS) {
    wake();
    return;
  }
  let pendingVisible = false;
  if (dirty.size) {
    const t0 = performance.now();
    let n = 0;
    for (const card of Array.from(dirty)) {
      if (card.closest('[hidden]') || !visible.has(card)) continue;
      if (n > 0 && performance.now() - t0 > FRAME_BUDGET_MS) {
        pendingVisible = true;
        break;
      }
      dirty.delete(card);
      const c0 = performance.now();
      drawCard(card);
      perf.byChart[card.dataset.chart] = Math.round(performance.now() - c0);
      n += 1;
    }
    if (n) {
      lastDraw = now;
      const ms = performance.now() - t0;
      perf.frames += 1;
      perf.drawMsLast = ms;
      perf.drawMsMax = Math.max(perf.drawMsMax, ms);
      perf.drawMsTotal += ms;
    }
  }
  if (pendingVisible) wake();
  else hooks.drawn();
}

const io = new IntersectionObserver(
  (entries) => {
    for (const e of entries) {
      if (e.isIntersecting) visible.add(e.target);
      else visible.delete(e.target);
    }
    wake();
  },
  { rootMargin: '600px' },
);
const ro = new ResizeObserver(() => markAllStale());

function watchCard(card) {
  io.observe(card);
  ro.observe($('.canvas-box', card));
  for (const b of $$('button[data-dl]', card)) b.addEventListener('click', () => downloadChart(card, b.dataset.dl));
}

/** A chart card (figure, caption, PNG/SVG buttons, canvas, note) for a registry entry {key, caption, class, when}. */
function makeCard(spec) {
  const fig = document.createElement('figure');
  fig.className = spec.class ? `chart ${spec.class}` : 'chart';
  fig.dataset.chart = spec.key;
  if (spec.when) fig.dataset.when = spec.when;
  const cap = document.createElement('figcaption');
  const title = document.createElement('span');
  // The caption is a constant of Rust's registry (text and <sub> only).
  title.innerHTML = spec.caption;
  const dl = document.createElement('span');
  dl.className = 'dl';
  // PNG size: the chart redrawn by Rust at 1×, 2× or 3× its on-screen (CSS) size, or 1920 px wide (slides).
  const size = document.createElement('select');
  size.className = 'png-size';
  size.setAttribute('aria-label', `PNG size of ${spec.key}`);
  size.dataset.testid = `png-size-${spec.key}`;
  for (const [value, label] of [['1', '1×'], ['2', '2×'], ['3', '3×'], ['w1920', '1920 px']]) size.append(new Option(label, value));
  dl.append(size);
  for (const kind of ['png', 'svg']) {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.dl = kind;
    b.textContent = kind.toUpperCase();
    dl.append(b);
  }
  cap.append(title, dl);
  // "What am I looking at?": Rust's explanation of the chart (figures::explain), text only.
  let explain = null;
  if (spec.explain) {
    explain = document.createElement('details');
    explain.className = 'explain-chart';
    const sum = document.createElement('summary');
    sum.textContent = 'What am I looking at?';
    explain.append(sum);
    for (const text of [spec.explain.plotted, spec.explain.expect, spec.explain.basis_text]) {
      const p = document.createElement('p');
      p.textContent = text;
      explain.append(p);
    }
  }
  const cb = document.createElement('div');
  cb.className = 'canvas-box';
  const canvas = document.createElement('canvas');
  canvas.dataset.testid = `chart-${spec.key}`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${spec.key}: not drawn yet`);
  cb.append(canvas);
  const note = document.createElement('p');
  note.className = 'chart-note';
  fig.append(cap, cb, note);
  if (explain) fig.append(explain);
  return fig;
}

/** One decision-boundary card per planar task (none for other generators). */
export function renderBoundaryCards(config) {
  const box = $('#boundary-charts');
  box.textContent = '';
  if (config.data.generator !== 'planar') return;
  for (const spec of JSON.parse(wasm.boundary_cards(config.data.tasks))) {
    const fig = makeCard(spec);
    box.append(fig);
    watchCard(fig);
    markDirty(fig);
  }
}

function downloadChart(card, kind) {
  const id = card.dataset.chart;
  if (!chartReady(id)) {
    showError(`download ${id}`, 'nothing to draw yet');
    return;
  }
  const stem = hooks.stem();
  if (kind === 'png') {
    // Redrawn, not upscaled: text and lines at the chosen pixel ratio.
    const box = $('.canvas-box', card).getBoundingClientRect();
    const chosen = $('select.png-size', card).value;
    const scale = chosen === 'w1920' ? 1920 / box.width : Number(chosen);
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(box.width * scale);
    canvas.height = Math.round(box.height * scale);
    const suffix = chosen === '1' ? '' : `@${chosen === 'w1920' ? '1920w' : `${chosen}x`}`;
    try {
      chartSource(id).draw(canvas, id, scale);
    } catch (e) {
      showError(`download ${id}`, errorText(e));
      return;
    }
    canvas.toBlob((blob) => {
      if (blob) download(blob, `${stem}_${id}${suffix}.png`);
      else showError(`download ${id}`, 'the canvas could not be encoded as PNG');
    }, 'image/png');
    return;
  }
  try {
    const box = $('.canvas-box', card).getBoundingClientRect();
    const scale = Math.max(1, 900 / Math.max(1, box.width));
    const fixed = card.dataset.svgWidth ? [Number(card.dataset.svgWidth), Number(card.dataset.svgHeight)] : null;
    const [w, h] = fixed || [Math.round(box.width * scale), Math.round(box.height * scale)];
    const svg = chartSource(id).svg(id, w, h);
    download(new Blob([svg], { type: 'image/svg+xml' }), `${stem}_${id}.svg`);
  } catch (e) {
    showError(`download ${id}`, errorText(e));
  }
}
