// DOM helpers every module of the page uses: lookups, the error banner and
// the notice line, table cells, file downloads. Text from users, files and
// error messages is only ever inserted as text (textContent), never as HTML.

import { fmt } from './format.js';

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** The message of an Error (Rust's, for a JsError), or the value as text. */
export function errorText(e) {
  return e && e.message ? e.message : String(e);
}

/** The error banner: "Error (context): message", dismissable. */
export function showError(context, message) {
  const el = $('#error');
  el.hidden = false;
  el.textContent = '';
  const b = document.createElement('strong');
  b.textContent = context ? `Error (${context}): ` : 'Error: ';
  el.append(b, document.createTextNode(message));
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'close';
  close.textContent = '×';
  close.setAttribute('aria-label', 'dismiss');
  close.addEventListener('click', () => {
    el.hidden = true;
  });
  el.append(close);
}

/** The notice line (e.g. a link that could not be read). */
export function showNotice(text) {
  const el = $('#notice');
  el.hidden = false;
  el.textContent = text;
}

export function hideNotice() {
  $('#notice').hidden = true;
}

/** An element with text and attributes. */
export function cell(tag, text, attrs) {
  const el = document.createElement(tag);
  el.textContent = text;
  if (attrs) for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/** A number cell: formatted text, the exact value in data-value (tests read it), red if not finite. */
export function numCell(value, testid, digits) {
  const td = cell('td', fmt(value, digits));
  td.className = 'num';
  if (testid) td.dataset.testid = testid;
  td.dataset.value = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'number' && !Number.isFinite(value)) td.classList.add('bad');
  return td;
}

/** Replace `table`'s content: a header row (strings or cells) and rows of cells. */
export function fillTable(table, head, rows) {
  table.textContent = '';
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const h of head) tr.append(typeof h === 'string' ? cell('th', h) : h);
  thead.append(tr);
  const tbody = document.createElement('tbody');
  for (const r of rows) {
    const row = document.createElement('tr');
    for (const c of r) row.append(c);
    tbody.append(row);
  }
  table.append(thead, tbody);
}

/** Save `blob` as file `name` (an object URL on a hidden link). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
