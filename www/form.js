// The config form: the controls, the preset picker with its explanation, the
// config editor, the URL hash and the config saved for the next visit. It
// holds the page's config (as Rust normalised it) and the preset it came
// from; every check of a value is Rust's (set_config_key, validate_config),
// and a refused value stays in its control with Rust's message next to it.
//
// Two hooks connect it to the rest of the page (main.js wires them):
// onShown(config, previous) after the shown config changed (charts, weights
// picker, sweep button follow it), and onCommit(previousText, nextText,
// fromPreset) when a new config should reach the run.

import { $, $$, errorText, showError, showNotice, hideNotice } from './dom.js';
import * as store from './store.js';
import { getKey, lambdaAtPosition, numberJson, pairsJson, pairsText, positionOfLambda, widthsJson, widthsText } from './controls.js';

/** The page's config. `text` is Rust's normalised JSON, `obj` the same parsed once. */
export const form = {
  text: null,
  obj: null,
  preset: null, // the preset the config came from
  modified: false, // changed since it was chosen
};

let wasm = null;
let presets = [];
let defaultText = null; // the default config as Rust normalises it (read once)
let hooks = { onShown: () => {}, onCommit: () => {}, linkConfig: () => null, linkSweep: () => null, onLinkSweep: () => {}, linkCompare: () => null, onLinkCompare: () => {}, onValidity: () => {} };
const invalid = new Map(); // key -> value JSON the user typed that Rust refused

export function initForm(wasmModule, presetList, h) {
  wasm = wasmModule;
  presets = presetList;
  hooks = h;
  defaultText = wasm.validate_config(wasm.default_config());
  renderPresets();
  for (const el of controls()) {
    const ev = el.dataset.kind === 'lambda' ? 'input' : 'change';
    el.addEventListener(ev, () => onControl(el));
  }
  $('#controls').addEventListener('submit', (e) => e.preventDefault());
  $('#config-apply').addEventListener('click', applyEditor);
}

// ---------------------------------------------------------------- controls

// The form's fields; in presentation mode the λ field sits in the presentation bar (present.js).
const FIELDS = ':is(#controls, #present-controls) [data-key]';

function controls() {
  return $$(FIELDS);
}

/** The fields of config key `key` (λ has two: the slider and the box). */
function fieldsOf(key) {
  return controls().filter((el) => el.dataset.key === key);
}

/** [key, Rust's message] of every control holding a value Rust refused (Play waits for them). */
export function invalidFields() {
  const out = [];
  for (const key of invalid.keys()) {
    const slot = $(`[data-error-for="${CSS.escape(key)}"]`);
    out.push([key, slot ? slot.textContent : '']);
  }
  return out;
}

function setFieldError(key, message) {
  const slot = $(`[data-error-for="${CSS.escape(key)}"]`);
  if (slot) slot.textContent = message || '';
  for (const el of fieldsOf(key)) {
    if (message) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
  hooks.onValidity();
}

/** The JSON text a control's current value stands for. */
function controlJson(el) {
  switch (el.dataset.kind) {
    case 'number':
      return numberJson(el.value);
    case 'widths':
      return widthsJson(el.value);
    case 'pairs':
      return pairsJson(el.value);
    case 'select':
      return JSON.stringify(el.value);
    case 'bool':
      return el.checked ? 'true' : 'false';
    case 'lambda':
      return lambdaAtPosition(el.value);
    case 'methods':
      return JSON.stringify(
        $$('#controls [data-kind="methods"]')
          .filter((c) => c.checked)
          .map((c) => c.value),
      );
    default:
      throw new Error(`unknown control kind ${el.dataset.kind}`);
  }
}

/** Show the config in every control (except keys the user left invalid). */
function fillControls() {
  for (const el of controls()) {
    const key = el.dataset.key;
    if (invalid.has(key)) continue;
    const v = getKey(form.obj, key);
    switch (el.dataset.kind) {
      case 'number':
        el.value = String(v);
        break;
      case 'widths':
        el.value = widthsText(v);
        break;
      case 'pairs':
        el.value = pairsText(v);
        break;
      case 'select':
        el.value = v;
        break;
      case 'bool':
        el.checked = !!v;
        break;
      case 'lambda':
        el.value = String(positionOfLambda(v));
        break;
      case 'methods':
        el.checked = v.includes(el.value);
        break;
      default:
        break;
    }
  }
  updateVisibility();
  $('#config-json').textContent = form.text;
  $('#paper-lambda').textContent = wasm.paper_lambda_text(form.obj.train.lambda);
}

/** Whether a `data-when` rule ("key=v1|v2", "key>N" or "key~item": a list holds item) holds for the config. */
export function whenHolds(expr) {
  const gt = expr.match(/^([\w.]+)>(\d+)$/);
  if (gt) return Number(getKey(form.obj, gt[1])) > Number(gt[2]);
  const has = expr.match(/^([\w.]+)~(\w+)$/);
  if (has) return (getKey(form.obj, has[1]) || []).includes(has[2]);
  const [key, values] = expr.split('=');
  return values.split('|').includes(String(getKey(form.obj, key)));
}

/** Fields, sections and charts shown only for some configs (`data-when`). */
function updateVisibility() {
  for (const el of $$('[data-when]')) {
    if (el.id === 'sweep-chart' || el.id === 'methods-sweep-chart') continue;
    el.hidden = !whenHolds(el.dataset.when);
  }
}

function onControl(el) {
  const key = el.dataset.key;
  const value = controlJson(el);
  let next;
  try {
    next = wasm.set_config_key(form.text, key, value);
  } catch (e) {
    invalid.set(key, value);
    setFieldError(key, errorText(e));
    return;
  }
  invalid.delete(key);
  setFieldError(key, '');
  // A value refused earlier may be fine now (e.g. d raised for planar tasks).
  for (const [k, v] of Array.from(invalid)) {
    try {
      next = wasm.set_config_key(next, k, v);
      invalid.delete(k);
      setFieldError(k, '');
    } catch (e) {
      setFieldError(k, errorText(e));
    }
  }
  if (key === 'train.lambda') {
    // Keep the slider and the box in step with each other.
    const lam = JSON.parse(next).train.lambda;
    for (const c of fieldsOf('train.lambda')) {
      if (c !== el) c.value = c.dataset.kind === 'lambda' ? String(positionOfLambda(lam)) : String(lam);
    }
  }
  commitConfig(next);
}

function clearInvalid() {
  const keys = Array.from(invalid.keys());
  invalid.clear();
  for (const k of keys) setFieldError(k, '');
}

/**
 * Set one key (JSON value) as if typed in its control: Rust checks it; the
 * result is committed, or the error shown under `context`. Returns whether it was.
 */
export function setKey(key, valueJson) {
  let next;
  try {
    next = wasm.set_config_key(form.text, key, valueJson);
  } catch (e) {
    showError(key, errorText(e));
    return false;
  }
  invalid.delete(key);
  setFieldError(key, '');
  commitConfig(next);
  return true;
}

function applyEditor() {
  const text = $('#config-editor').value;
  try {
    const next = wasm.validate_config(text);
    $('#config-editor-error').textContent = '';
    clearInvalid();
    commitConfig(next);
  } catch (e) {
    $('#config-editor-error').textContent = errorText(e);
  }
}

// ---------------------------------------------------------------- config

/**
 * The link: what reproduces the run (linkConfig(): the run's record, its config as
 * started with every live λ/η change in train.schedule), else the shown config.
 */
function updateHash() {
  let h;
  try {
    const sweep = hooks.linkSweep();
    const compare = hooks.linkCompare();
    h = wasm.encode_hash(hooks.linkConfig() || form.text, form.preset || undefined, sweep ? JSON.stringify(sweep) : undefined, compare ? JSON.stringify(compare) : undefined);
  } catch (e) {
    showError('link', errorText(e));
    return;
  }
  if (location.hash !== h) history.replaceState(null, '', h);
  $('#link').value = location.href;
}

/** The run's record changed: the link follows it. */
export function refreshLink() {
  if (form.text) updateHash();
}

/** Show `next` (normalised by Rust) as the config: controls, link, preset, saved config. */
function showConfig(next) {
  const prev = form.obj;
  form.text = next;
  form.obj = JSON.parse(next);
  fillControls();
  updateHash();
  updatePresetPicker();
  hooks.onShown(form.obj, prev);
  store.saveConfig({ config: form.text, preset: form.preset, presetModified: form.modified });
  return prev;
}

/**
 * Make `next` (normalised by Rust) the config and hand it to the run
 * (onCommit), unless `run` is false (the run already has this config).
 */
function commitConfig(next, { fromPreset = false, run = true, modified = null } = {}) {
  if (modified !== null) form.modified = modified;
  else if (fromPreset) form.modified = false;
  else if (form.preset) form.modified = true;
  const prevText = form.text;
  showConfig(next);
  if (run) hooks.onCommit(prevText, next, fromPreset);
}

/**
 * A run restored from a saved or imported state brings its own config (λ and η
 * as they were last set): show it, with `preset` (undefined: the preset it matches).
 */
export function adoptRunConfig(configText, preset, modified) {
  if (configText === form.text) return;
  form.preset = preset !== undefined ? preset : presetMatching(configText);
  form.modified = !!modified;
  clearInvalid();
  showConfig(configText);
}

// ---------------------------------------------------------------- presets

function choosePreset(name) {
  const p = presets.find((x) => x.name === name);
  if (!p) return;
  let next;
  try {
    next = wasm.validate_config(JSON.stringify(p.config));
  } catch (e) {
    showError(`preset ${name}`, errorText(e));
    return;
  }
  form.preset = name;
  clearInvalid();
  commitConfig(next, { fromPreset: true });
}

/**
 * Load `configText` (normalised by Rust) as preset `name`'s config with some
 * settings changed (a lesson's step): a new run, whose claims are the preset's.
 */
export function choosePresetConfig(name, configText) {
  const p = presets.find((x) => x.name === name);
  if (!p) return;
  form.preset = name;
  clearInvalid();
  // A new run (as a preset starts one), marked modified where the settings change the preset's config.
  commitConfig(configText, { fromPreset: true, modified: wasm.validate_config(JSON.stringify(p.config)) !== configText });
}

/** The preset whose config is exactly `configText`, else null. */
function presetMatching(configText) {
  for (const p of presets) {
    try {
      if (wasm.validate_config(JSON.stringify(p.config)) === configText) return p.name;
    } catch (e) {
      // A preset Rust refuses matches nothing.
    }
  }
  return null;
}

function renderPresets() {
  const box = $('#presets');
  box.textContent = '';
  for (const p of presets) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'preset';
    b.dataset.preset = p.name;
    b.dataset.testid = `preset-${p.name}`;
    b.setAttribute('role', 'radio');
    b.setAttribute('aria-checked', 'false');
    const n = document.createElement('span');
    n.className = 'preset-name';
    n.textContent = p.name;
    const s = document.createElement('span');
    s.className = 'preset-see';
    s.textContent = p.see;
    b.append(n, s);
    b.addEventListener('click', () => choosePreset(p.name));
    box.append(b);
  }
  // A radio group: one Tab stop (the chosen preset), arrow keys move and choose.
  box.addEventListener('keydown', (e) => {
    const keys = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: 'first', End: 'last' };
    if (!(e.key in keys)) return;
    const items = $$('#presets [data-preset]');
    const at = items.indexOf(document.activeElement);
    if (at < 0) return;
    e.preventDefault();
    const k = keys[e.key];
    const next = k === 'first' ? 0 : k === 'last' ? items.length - 1 : (at + k + items.length) % items.length;
    items[next].focus();
    choosePreset(items[next].dataset.preset);
  });
}

function updatePresetPicker() {
  for (const el of $$('#presets [data-preset]')) {
    const on = el.dataset.preset === form.preset;
    el.classList.toggle('selected', on);
    el.setAttribute('aria-checked', on ? 'true' : 'false');
    el.classList.toggle('modified', on && form.modified);
  }
  // Roving tabindex: the chosen preset (or the first, when none is) is the group's Tab stop.
  const items = $$('#presets [data-preset]');
  const stop = items.find((el) => el.dataset.preset === form.preset) || items[0];
  for (const el of items) el.tabIndex = el === stop ? 0 : -1;
  const p = presets.find((x) => x.name === form.preset);
  if (p) {
    $('#explain-title').textContent = form.modified ? `${p.name} (modified)` : p.name;
    $('#explain-see').textContent = `You should see: ${p.see}`;
    $('#explain-text').textContent = p.explain;
    $('#explain-grid').textContent = p.grid.length
      ? `On the command line this preset sweeps ${p.grid.join(' × ')}: lowrank-lab sweep --preset ${p.name} --out out`
      : '';
  } else {
    // The default, or a config from a link, a file or changed controls: Rust's
    // one-sentence summary of it (config_summary), and whether it is the default.
    const isDefault = form.text === defaultText;
    $('#explain-title').textContent = isDefault ? 'Default configuration' : 'Your configuration';
    $('#explain-see').textContent = summaryOf(form.text);
    $('#explain-text').textContent = isDefault
      ? 'Pick an experiment on the left to load a config that shows one phenomenon, or change the controls. Press play to train; the charts follow live.'
      : 'Not one of the experiments: this config came from a link, a file or changes to the controls. Its settings are in the controls and under Config JSON. Pick an experiment on the left to load a config that shows one phenomenon. Press play to train; the charts follow live.';
    $('#explain-grid').textContent = '';
  }
}

/**
 * Rust's sentence for a config. The page only holds configs Rust accepted, so
 * a refusal is a bug; it still says so, with Rust's message, rather than
 * leaving the sentence empty.
 */
function summaryOf(text) {
  try {
    return wasm.config_summary(text);
  } catch (e) {
    return `No summary of this config: ${errorText(e)}`;
  }
}

// ---------------------------------------------------------------- the link

/**
 * The config of the URL hash (read and validated once, by Rust): null for no hash,
 * {error} for a link Rust refuses (its message), else {config, preset, sweep, compare}
 * (config: Rust's normalised text; sweep: the grid axes, [] for none; compare: run B's key=value list, [] for none).
 */
function configFromHash() {
  const raw = location.hash;
  if (raw === '' || raw === '#') return null;
  try {
    return JSON.parse(wasm.decode_hash(raw));
  } catch (e) {
    return { error: errorText(e) };
  }
}

/**
 * Load the config of the link, or (no link) the one saved at the last visit,
 * or the defaults. Returns whether `savedRun` (a run saved at the last visit,
 * from IndexedDB) has exactly this config, so the caller restores it instead
 * of starting a run.
 */
export function loadFromHash(savedRun = null) {
  hideNotice();
  const h = configFromHash();
  let next = null;
  let preset = null;
  let modified = null;
  if (h && h.error) {
    showNotice(`This link could not be read (${h.error}); showing the default config instead.`);
  } else if (h) {
    next = h.config;
    preset = h.preset;
    hooks.onLinkSweep(h.sweep);
    hooks.onLinkCompare(h.compare);
  } else {
    const saved = store.loadConfig();
    if (saved) {
      try {
        next = wasm.validate_config(saved.config);
        preset = saved.preset && presets.some((p) => p.name === saved.preset) ? saved.preset : null;
        modified = !!saved.presetModified;
      } catch (e) {
        next = null; // saved by another version: the defaults instead
      }
    }
  }
  // A config that crashed the lab twice is never the one restored (run.js sets it aside).
  const q = store.loadQuarantine();
  if (next !== null && q && (next === q.config || next === q.link)) {
    next = null;
    preset = null;
  }
  if (next === null) next = defaultText;
  clearInvalid();
  form.preset = preset;
  form.modified = false;
  if (preset) {
    const p = presets.find((x) => x.name === preset);
    form.modified = modified !== null ? modified : wasm.validate_config(JSON.stringify(p.config)) !== next;
  }
  const restore = !!savedRun && (savedRun.config === next || savedRun.link === next) && !(q && savedRun.config === q.config);
  commitConfig(next, { fromPreset: !form.modified, run: !restore });
  form.modified = !!preset && form.modified;
  updatePresetPicker();
  return restore;
}

/** Make `text` the config (Rust checks it), as if pasted: a new run. Returns whether it was. */
export function loadConfigText(text) {
  let next;
  try {
    next = wasm.validate_config(text);
  } catch (e) {
    showError('config', errorText(e));
    return false;
  }
  clearInvalid();
  form.preset = presetMatching(next);
  form.modified = false;
  commitConfig(next, { fromPreset: true });
  return true;
}

/** The default config's text as Rust normalises it (null before `initForm`). */
export function defaultConfigText() {
  return defaultText;
}

/** The default config as a new run (after a config was set aside); returns its text. */
export function loadDefault() {
  loadConfigText(defaultText);
  return defaultText;
}
