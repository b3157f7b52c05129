// Compare: run B beside run A (issue 19, item 1). B is A's config with a few
// keys set otherwise (Rust's compare_check refuses what cannot be compared and
// says what differs); the training worker trains both together, and every
// chart draws them together (Rust's draw_compared). This file is the panel:
// the quick buttons, the key=value field, start and stop, and what the link
// carries (run.compareSets).

import { $, $$, errorText } from './dom.js';
import { run, setCompare } from './run.js';

let wasm = null;
let hooks = { config: () => null, changed: () => {} };

/** `h`: config() (the form's config text, run A's), changed() (run.compare changed: charts and link follow). */
export function initCompare(wasmModule, h) {
  wasm = wasmModule;
  hooks = h;
  for (const b of $$('[data-compare]')) {
    b.addEventListener('click', () => {
      $('#compare-sets').value = b.dataset.compare;
      start();
    });
  }
  $('#compare-start').addEventListener('click', start);
  $('#compare-sets').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      start();
    }
  });
  $('#compare-stop').addEventListener('click', () => setCompare(null));
  follow();
}

/** Check the field's keys against A's config (Rust) and start both runs, or say what is refused. */
function start() {
  let checked;
  try {
    checked = JSON.parse(wasm.compare_check(hooks.config(), $('#compare-sets').value));
  } catch (e) {
    $('#compare-error').textContent = errorText(e);
    return;
  }
  $('#compare-error').textContent = '';
  setCompare(checked.sets);
}

/** The worker's comparison changed (or was refused): the panel, charts and link follow. */
export function follow() {
  const c = run.compare;
  $('#compare-stop').hidden = !c;
  $('#compare-start').textContent = c ? 'Restart both' : 'Compare';
  if (c) $('#compare-sets').value = c.sets.join('; ');
  $('#compare-status').textContent = c ? `Comparing ${c.text.a} with ${c.text.b}.` : '';
  document.body.dataset.compare = c ? 'on' : 'off';
  hooks.changed();
}

/** The comparison a link carries (its key=value list, [] for none): the next run takes it. */
export function fromLink(sets) {
  run.compareSets = sets && sets.length ? sets : null;
  if (run.compareSets) $('#compare-sets').value = run.compareSets.join('; ');
}

/** What the link carries: run B's key=value list, or null. */
export function linkSets() {
  return run.compareSets;
}
