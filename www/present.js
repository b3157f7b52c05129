// Presentation mode: one chart, or a 2×2 grid of up to four charts the visitor
// picks, over the whole window (and full screen where the Fullscreen API is
// allowed), with only play / pause / step and λ. The chosen cards, the run
// bar and the λ field are moved into the overlay (their listeners go with
// them) and put back where they were on leaving; nothing is copied. The charts
// redraw at the new size with larger text (charts.js: TEXT_SCALE for cards in
// the overlay). Esc, the Exit button, or leaving full screen ends it.
//
// A link can open the page presenting: `?present=KEY[,KEY…]` (chart keys, in
// the order shown) with the config's own hash; "Share this view" gives that
// link and an <iframe> for a slide or a page (the embed: one chart, the same
// minimal controls). Leaving takes `present=` out of the address again.

import { $, $$, showNotice } from './dom.js';

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
  $('#present-share').addEventListener('toggle', fillShare);
  for (const id of ['#present-link', '#present-embed']) $(id).addEventListener('focus', (e) => e.target.select());
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

/** Present the charts `keys` (1–4 chart keys, in page order); full screen unless `fullscreen` is false. */
export function enter(keys, { fullscreen = true } = {}) {
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
  fillShare();
  overlay.hidden = false;
  document.body.classList.add('presenting');
  // Full screen where allowed (a user gesture, no iframe policy against it); the overlay covers the window anyway.
  if (fullscreen && document.fullscreenEnabled && !document.fullscreenElement) document.documentElement.requestFullscreen().catch(() => {});
  $('#play').disabled ? $('#present-exit').focus() : $('#play').focus();
  onRedraw();
}

/** The keys of the charts presented now, in order. */
function presentedKeys() {
  return $$('#present-grid > figure.chart[data-chart]').map((c) => c.dataset.chart);
}

/** This page's address with `present=` set to `keys` (null: without it); the config's hash is kept. */
function addressWith(keys) {
  const q = new URLSearchParams(location.search);
  if (keys) q.set('present', keys.join(','));
  else q.delete('present');
  const search = q.toString().replaceAll('%2C', ',');
  return `${location.origin}${location.pathname}${search ? `?${search}` : ''}${location.hash}`;
}

/** "Share this view": the link to these charts of this run's config, and an iframe of it. */
function fillShare() {
  const url = addressWith(presentedKeys());
  $('#present-link').value = url;
  const frame = document.createElement('iframe');
  frame.setAttribute('src', url);
  frame.setAttribute('width', '960');
  frame.setAttribute('height', '600');
  frame.setAttribute('title', `lowrank-lab: ${presentedKeys().join(', ')}`);
  frame.setAttribute('allow', 'fullscreen');
  $('#present-embed').value = frame.outerHTML;
}

/**
 * A link's `?present=KEY[,KEY…]`: present those charts once the page is up (no
 * full screen: that needs a click). A key that names no chart here is refused,
 * with the charts there are, and the whole lab is shown.
 */
export function fromLink() {
  const asked = new URLSearchParams(location.search).get('present');
  if (asked === null) return;
  const keys = asked.split(',').map((k) => k.trim()).filter(Boolean);
  const known = presentable().map((c) => c.dataset.chart);
  const unknown = keys.filter((k) => !known.includes(k));
  if (keys.length === 0 || keys.length > MAX_CHARTS || unknown.length) {
    const why = unknown.length ? `“${unknown.join('”, “')}” is not a chart here` : `it names ${keys.length} charts (1 to ${MAX_CHARTS})`;
    showNotice(`This link asks to present charts, but ${why}; the charts are: ${known.join(', ')}. Showing the whole lab.`);
    history.replaceState(null, '', addressWith(null));
    return;
  }
  enter(keys, { fullscreen: false });
}

/** Leave presentation mode: everything goes back where it was. */
export function leave() {
  if (!presenting()) return;
  if (new URLSearchParams(location.search).has('present')) history.replaceState(null, '', addressWith(null));
  $('#present-share').open = false;
  for (const { node, parent, next } of moved.reverse()) parent.insertBefore(node, next && next.parentNode === parent ? next : null);
  moved = [];
  $('#present').hidden = true;
  document.body.classList.remove('presenting');
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  $('#present-open').focus();
  onRedraw();
}
