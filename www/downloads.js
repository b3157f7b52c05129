// Sharing and export: copy the link, the report (JSON), the metrics (CSV,
// Rust's metrics.csv), one layer's weights (.npy), and the run's full state
// (Export run / Import run). Every file's content is Rust's; this module only
// asks for it and saves it.

import { $, cell, download, errorText, showError } from './dom.js';
import { fileStem } from './format.js';
import { form } from './form.js';
import { run, request, requestRestore, send } from './run.js';
import * as charts from './charts.js';

const MAX_IMPORT_BYTES = 1 << 30;

let wasm = null;

/** `wasmModule`: the page's wasm module (net names). */
export function initDownloads(wasmModule) {
  wasm = wasmModule;
  $('#copy-link').addEventListener('click', copyLink);
  $('#dl-json').addEventListener('click', downloadRun);
  $('#export-run').addEventListener('click', exportRun);
  $('#import-run').addEventListener('click', () => $('#import-file').click());
  $('#import-file').addEventListener('change', importRun);
  $('#dl-csv').addEventListener('click', downloadCsv);
  $('#dl-npy').addEventListener('click', downloadWeights);
}

/** The file-name stem of the run's downloads, e.g. "merge-orthogonal_step2000". */
export function stem() {
  return fileStem(form.preset, run.progress ? run.progress.step : 0);
}

async function downloadRun() {
  try {
    const m = await request('final');
    const doc = {
      format: 'lowrank-lab run',
      version: $('#version').textContent.replace('lowrank-lab ', ''),
      preset: form.preset,
      live_changes: run.liveChanges,
      config: JSON.parse(form.text),
      final: JSON.parse(m.final),
      snapshot: JSON.parse(m.snapshot),
    };
    download(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }), `${stem()}_run.json`);
  } catch (e) {
    showError('download run', errorText(e));
  }
}

function downloadCsv() {
  if (!charts.snapshots.has_snapshot()) {
    showError('download metrics', 'no snapshot yet');
    return;
  }
  try {
    download(new Blob([charts.snapshots.metrics_csv()], { type: 'text/csv' }), `${stem()}_metrics.csv`);
  } catch (e) {
    showError('download metrics', errorText(e));
  }
}

/** "Export run": the run's full state (Lab.export_state, exactly as Rust wrote it) as one JSON file. */
async function exportRun() {
  try {
    const m = await request('export');
    download(new Blob([m.state], { type: 'application/json' }), `${fileStem(form.preset, m.step)}_run-state.json`);
  } catch (e) {
    showError('export run', errorText(e));
  }
}

/** "Import run": a file from "Export run" continues here (Rust checks it against its config). */
async function importRun(ev) {
  const input = ev.target;
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  if (file.size > MAX_IMPORT_BYTES) {
    showError('import run', `the file is ${file.size} bytes, above the limit of ${MAX_IMPORT_BYTES} bytes`);
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (e) {
    showError('import run', `the file could not be read: ${errorText(e)}`);
    return;
  }
  if (run.playing) send('pause');
  $('#import-status').textContent = 'importing…';
  requestRestore(text, 'import', { name: file.name, liveChanges: [] });
}

async function downloadWeights() {
  const net = $('#w-net').value;
  const layer = Number($('#w-layer').value);
  try {
    const m = await request('weights', { net, layer });
    download(new Blob([m.bytes], { type: 'application/octet-stream' }), `${stem()}_${net}_W${layer}.npy`);
  } catch (e) {
    showError('download weights', errorText(e));
  }
}

/** The weights picker: every task's net, then the merges (K ≥ 2); layers 1 … depth. */
export function fillWeightsPicker(config, depth) {
  if (!wasm) return; // before boot wired the module: the next config or depth fills it
  const nets = $('#w-net');
  const prevNet = nets.value;
  nets.textContent = '';
  let list = [];
  try {
    list = JSON.parse(wasm.net_names(JSON.stringify(config))); // Rust's names: tasks' nets, then merges
  } catch (e) {
    showError('weights picker', errorText(e));
  }
  for (const n of list) nets.append(cell('option', n.merged ? `merged: ${n.name}` : `net ${n.name}`, { value: n.name }));
  if (list.some((n) => n.name === prevNet)) nets.value = prevNet;
  const layers = $('#w-layer');
  layers.textContent = '';
  for (let k = 1; k <= depth; k++) layers.append(cell('option', `W${k}`, { value: String(k) }));
}

async function copyLink() {
  const link = $('#link');
  link.value = location.href;
  try {
    await navigator.clipboard.writeText(location.href);
    $('#copy-link').textContent = 'Copied ✓';
  } catch (e) {
    link.select();
    $('#copy-link').textContent = 'Select + copy';
  }
  setTimeout(() => {
    $('#copy-link').textContent = 'Copy link';
  }, 1500);
}
