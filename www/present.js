// Presentation mode: one chart, or a 2×2 grid of up to four charts the visitor
// picks, over the whole window (and full screen where the Fullscreen API is
// allowed), with only play / pause / step and λ. The chosen cards, the run
// bar and the λ field are moved into the overlay (their listeners go with
// them) and put back where they were on leaving; nothing is copied. The charts
// redraw at the new size with larger text (charts.js: TEXT_SCALE for cards in
// the overlay). Esc, the Exit button, or leaving full screen ends it.

import { $, $$ } from './dom.js';

const MAX_CHARTS = 4;
let moved = []; // [{node, parent, next}] to put back, in reverse order
let onRedraw = () => {};

/** `h`: {redraw()} marks every chart for redrawing (sizes and text scale change). */
export function initPresent(h) {
  onRedraw = h.redraw;
  $('#present-open').addEventListener('click', openPicker);
  $('#present-cancel').addEventListener('click', () => $('#present-pick').close());
  $('#present-go').addEventListener('click', () => {
    const keys = $$('#present-choices input:checked').map((c) => c.value);
    $('#present-pick').close();
    enter(keys);
  });
  $('#present-choices').addEventListener('change', limitChoices);
  $('#present-exit').addEventListener('click', leave);
  document.addEventListener('keydown', (e) => {
    // Esc in an open dialog (the shortcuts list) closes that dialog only.
    if (e.key === 'Escape' && presenting() && !document.querySelector('dialog[open]')) {
      e.preventDefault();
      leave();
    }
  });
  // Esc in full screen leaves full screen first (the browser's): leave the mode with it.
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && presenting()) leave();
  });
}

/** Whether presentation mode is on. */
export function presenting() {
  return !$('#present').hidden;
}

/** The charts that can be presented: the live charts shown now (their cards stay while the run changes). */
function presentable() {
  return $$('#charts > figure.chart[data-chart]').filter((c) => !c.hidden);
}

function openPicker() {
  const box = $('#present-choices');
  box.textContent = '';
  presentable().forEach((card, i) => {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = card.dataset.chart;
    input.checked = i === 0;
    input.dataset.testid = `present-choice-${card.dataset.chart}`;
    // Captions are Rust's registry text: shown as text.
    label.append(input, ` ${$('figcaption span', card).textContent}`);
    box.append(label);
  });
  limitChoices();
  $('#present-pick').showModal();
}

// At most four charts; Present needs at least one.
function limitChoices() {
  const boxes = $$('#present-choices input');
  const n = boxes.filter((b) => b.checked).length;
  for (const b of boxes) b.disabled = !b.checked && n >= MAX_CHARTS;
  $('#present-go').disabled = n === 0;
  $('#present-count').textContent = `${n} of at most ${MAX_CHARTS} chosen`;
}

function move(node, parent) {
  moved.push({ node, parent: node.parentNode, next: node.nextSibling });
  parent.append(node);
}

/** Present the charts `keys` (1–4 chart keys, in page order). */
export function enter(keys) {
  if (presenting() || keys.length === 0) return;
  const overlay = $('#present');
  const grid = $('#present-grid');
  const bar = $('#present-controls');
  move($('#runbar'), bar);
  move($('.field.lambda'), bar);
  for (const key of keys.slice(0, MAX_CHARTS)) {
    const card = $(`figure.chart[data-chart="${CSS.escape(key)}"]`);
    if (card) move(card, grid);
  }
  grid.dataset.count = String(grid.children.length);
  overlay.hidden = false;
  document.body.classList.add('presenting');
  // Full screen where allowed (a user gesture, no iframe policy against it); the overlay covers the window anyway.
  if (document.fullscreenEnabled && !document.fullscreenElement) document.documentElement.requestFullscreen().catch(() => {});
  $('#play').disabled ? $('#present-exit').focus() : $('#play').focus();
  onRedraw();
}

/** Leave presentation mode: everything goes back where it was. */
export function leave() {
  if (!presenting()) return;
  for (const { node, parent, next } of moved.reverse()) parent.insertBefore(node, next && next.parentNode === parent ? next : null);
  moved = [];
  $('#present').hidden = true;
  document.body.classList.remove('presenting');
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  $('#present-open').focus();
  onRedraw();
}
