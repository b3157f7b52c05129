// The "Start here" panel: the guided path through the presets (Rust's
// src/lessons.rs, through lessons_json and lesson_config). Each step loads
// its preset with its settings, says what to do and which chart to watch, and
// waits for one claim of the preset; when the run's snapshot shows that claim
// holding, the step is done and the panel offers the next one. Every step has
// its own link (#lesson=ID). The texts, configs and claims are Rust's; this
// module matches a claim by its text and shows its status.

import { $, $$ } from './dom.js';

let wasm = null;
let steps = [];
let hooks = { load: () => {}, config: () => 'null', chartCaption: () => null };
let current = null; // index of the open step, or null
let stepConfig = null; // the open step's config, as JSON.stringify of Rust's normalised text
const done = new Set(); // ids of the steps whose claim held in this visit
let status = null; // the open step's claim result, or null (no snapshot of its run yet)

/**
 * `h.load(preset, configText)` loads a config as the preset's (modified); `h.config()` is the
 * page's config text now; `h.chartCaption(key)` a card's caption text.
 */
export function initLessons(wasmModule, h) {
  wasm = wasmModule;
  hooks = h;
  steps = JSON.parse(wasm.lessons_json());
  const list = $('#lesson-list');
  for (const s of steps) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#lesson=${s.id}`;
    a.textContent = s.title;
    a.dataset.lesson = s.id;
    li.append(a);
    list.append(li);
  }
  $('#lessons-intro').textContent = `${steps.length} steps through what the paper states and what this lab derives: each runs a preset and waits for one of its claims.`;
  $('#lessons-start').addEventListener('click', () => openStep(steps[0].id));
  $('#lesson-prev').addEventListener('click', () => current > 0 && openStep(steps[current - 1].id));
  $('#lesson-next').addEventListener('click', () => current < steps.length - 1 && openStep(steps[current + 1].id));
  $('#lesson-leave').addEventListener('click', leave);
  $('#lesson-watch').addEventListener('click', watch);
  render();
}

/** The lesson id of a `#lesson=ID` link, else null. */
export function lessonInHash() {
  const m = /^#lesson=([^&]*)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

/** Open the step a `#lesson=ID` link names; an unknown id is said in the panel (Rust's message). */
export function openFromLink(id) {
  openStep(id);
}

function showError(text) {
  const box = $('#lesson-error');
  box.hidden = !text;
  box.textContent = text || '';
  if (text) $('#lessons').scrollIntoView({ block: 'start' });
}

/** Open step `id`: Rust gives its config, or refuses an unknown id with the steps there are. */
function openStep(id) {
  let text;
  try {
    text = wasm.lesson_config(id);
  } catch (e) {
    showError(e && e.message ? e.message : String(e));
    return;
  }
  const i = steps.findIndex((s) => s.id === id);
  const s = steps[i];
  showError(null);
  current = i;
  stepConfig = JSON.stringify(JSON.parse(text));
  status = null;
  hooks.load(s.preset, text);
  render();
  $('#lessons').scrollIntoView({ block: 'start' });
}

function leave() {
  current = null;
  stepConfig = null;
  status = null;
  for (const c of $$('figure.chart.watch')) c.classList.remove('watch');
  render();
}

/** The open step's chart card (or the Now table) into view, highlighted. */
function watch() {
  if (current === null) return;
  const s = steps[current];
  for (const c of $$('figure.chart.watch')) c.classList.remove('watch');
  const target = s.chart ? $(`figure.chart[data-chart="${CSS.escape(s.chart)}"]`) : $('#task-table');
  if (!target) return;
  if (s.chart) target.classList.add('watch');
  target.scrollIntoView({ block: 'center' });
}

/** A snapshot summary is shown: the open step's claim, if this is the step's run. */
export function follow(summary) {
  if (current === null || !summary) return;
  if (JSON.stringify(summary.config) !== stepConfig) {
    // A snapshot of the run before the step (still on its way) says nothing; a setting changed since does.
    if (JSON.stringify(JSON.parse(hooks.config())) === stepConfig) return;
    status = { status: 'other', why: 'the config differs from the step’s (a setting was changed): choose the step again to restart it' };
  } else {
    const s = steps[current];
    status = (summary.claims || []).find((c) => c.claim === s.claim) || null;
    if (status && status.status === 'pass') done.add(s.id);
  }
  render();
}

const MARKS = { pass: '✓ holds', fail: '✗ does not hold', waiting: '… waiting', collapsed: '✗ collapsed net', rounding_level: '✗ rounding level', not_applicable: '— not applicable', other: '— not this step’s run' };

function render() {
  const open = current !== null;
  $('#lessons-start').hidden = open;
  $('#lesson-card').hidden = !open;
  for (const a of $$('#lesson-list a')) {
    const on = open && a.dataset.lesson === steps[current].id;
    a.toggleAttribute('aria-current', on);
    a.classList.toggle('done', done.has(a.dataset.lesson));
  }
  if (!open) return;
  const s = steps[current];
  $('#lesson-title').textContent = `Step ${current + 1} of ${steps.length}: ${s.title}`;
  $('#lesson-todo').textContent = s.todo;
  const caption = s.chart ? hooks.chartCaption(s.chart) || s.chart : 'the Now table';
  $('#lesson-watch').textContent = `Watch: ${caption}`;
  $('#lesson-expect').textContent = `You should see ${s.expect}.`;
  $('#lesson-claim').textContent = s.claim;
  const st = status ? status.status : 'waiting';
  const mark = $('#lesson-status');
  mark.dataset.status = st;
  mark.textContent = status ? `${MARKS[st] || st}${status.why ? ` — ${status.why}` : ''}` : '… waiting for the run (press Play)';
  const held = done.has(s.id);
  $('#lesson-done').hidden = !held;
  $('#lesson-done').textContent = current < steps.length - 1 ? `Step done. Next: ${steps[current + 1].title}.` : 'Step done: that is the whole path.';
  const next = $('#lesson-next');
  next.disabled = current >= steps.length - 1;
  next.classList.toggle('primary', held);
  $('#lesson-prev').disabled = current === 0;
  const link = $('#lesson-link');
  link.href = `#lesson=${s.id}`;
  link.textContent = new URL(`#lesson=${s.id}`, location.href).href;
}
