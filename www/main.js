// The page's boot: checks for WebAssembly SIMD, starts the training worker,
// loads the wasm module, and wires the page's modules together. Each module
// does one job:
//
//   form.js       the config: controls, presets, config editor, URL hash, saved config
//   run.js        the training worker, its protocol and the run-state object; crash/restore, saved run,
//                 configs set aside after two crashes, the record behind the link, Undo of a restart
//   status.js     the run bar: status, progress, gauge, divergence banner, buttons
//   live.js       live snapshots (deltas) into the charts and tables; the analysis worker
//   rewind.js     the time slider: every chart and table at a recorded step, replay
//   keys.js       keyboard shortcuts, the skip link, the shortcuts dialog
//   present.js    presentation mode: chosen charts full screen, play/pause/step and λ
//   lessons.js    the "Start here" guided path (steps, configs and claims from Rust)
//   charts.js     chart cards drawn by Rust from its ChartStore, within a frame budget
//   tables.js     the tables of current numbers (merge-tables.js: the merge report's)
//   sweep.js      the sweep panel: grid editor, table, claims, charts, downloads;
//                 sweep-pool.js its pool of workers (point-worker.js)
//   downloads.js  link, report, metrics, weights, export/import of a run
//   test-hooks.js window.__lab_test, for the e2e tests and benchmarks only
//   dom.js, format.js, controls.js, perf.js, store.js: helpers
//
// Nothing here computes: every number and every check is Rust's.

import { simd } from 'wasm-feature-detect';
import * as store from './store.js';
import { $, errorText, showError } from './dom.js';
import { form, initForm, loadFromHash, adoptRunConfig, setKey, invalidFields, refreshLink, loadDefault, defaultConfigText, loadConfigText, choosePresetConfig } from './form.js';
import * as runs from './run.js';
import { run } from './run.js';
import * as status from './status.js';
import * as live from './live.js';
import * as charts from './charts.js';
import { renderTables } from './tables.js';
import * as sweep from './sweep.js';
import { initDownloads, fillWeightsPicker, stem } from './downloads.js';
import { installTestHooks } from './test-hooks.js';
import { initRewind, moveBy as rewindBy, replayed as rewindReplayed } from './rewind.js';
import { initKeys } from './keys.js';
import { initPresent, fromLink as presentFromLink } from './present.js';
import * as lessons from './lessons.js';
import * as compare from './compare.js';

/** What the run's messages do to the page. */
const runHandlers = {
  workerStarted: () => {
    live.workerStarted();
    sweep.workerStarted();
  },
  progress: (m) => status.onProgress(m),
  depth: (depth) => fillWeightsPicker(form.obj, depth),
  snapshot: (m, worker) => live.fromWorker(m, worker),
  wantAnalyst: () => live.wantAnalyst(),
  live: (m) => live.liveState(m),
  status: (text) => status.setStatus(text),
  changed: () => status.updateButtons(),
  cleared: () => {
    status.clearPending();
    charts.clearRun();
    live.clear();
    status.renderLiveChanges();
    status.clearDivergence();
  },
  newRun: () => charts.markAllStale(),
  restoredRun: () => charts.markAllStale(),
  restoredConfig: (config, r) => adoptRunConfig(config, r.preset, r.presetModified),
  importing: () => sweep.cancel(),
  resetView: () => status.clearDivergence(),
  liveChanged: () => status.renderLiveChanges(),
  crashed: () => live.crashed(),
  compare: () => compare.follow(),
  replay: (m) => rewindReplayed(m),
  savedRecord: () => ({ preset: form.preset, presetModified: form.modified }),
  record: (record) => {
    refreshLink();
    status.renderLinkNote(record);
    status.renderLiveChanges();
  },
  restarting: (aside) => {
    lastAside = aside;
    status.showRestarted(aside, null);
  },
  restarted: (aside) => {
    // Only the newest restart can be undone, until the next change of the config.
    if (lastAside !== aside) return;
    status.showRestarted(aside, () => {
      status.showRestarted(null);
      runs.undoRestart(aside);
    });
  },
  setAside: (q) => {
    showQuarantine(q);
    // The default config itself crashed twice: no run until the visitor picks one.
    if (q.config !== defaultConfigText()) loadDefault();
    else status.setStatus('error');
  },
};

let lastAside = null; // the run a restart kept aside (Undo)

/** The banner of a config set aside (store.js) with its three actions. */
function showQuarantine(q) {
  status.showQuarantine(q, {
    tryAgain: (kept) => {
      store.saveQuarantine(null);
      store.saveCrashes(null);
      status.showQuarantine(null);
      loadConfigText(kept.link || kept.config);
    },
    discard: () => {
      store.saveQuarantine(null);
      store.saveCrashes(null);
      status.showQuarantine(null);
    },
  });
}

function bindRunButtons() {
  $('#play').addEventListener('click', runs.play);
  $('#pause').addEventListener('click', runs.pause);
  $('#step').addEventListener('click', () => runs.step(Number($('#step-n').value)));
  $('#reset').addEventListener('click', runs.reset);
  $('#new-seed').addEventListener('click', () => setKey('seed', String(Math.floor(Math.random() * 1e9))));
  // A pasted link: load it (our own replaceState does not fire this); a lesson's link opens its step.
  window.addEventListener('hashchange', () => {
    const lesson = lessons.lessonInHash();
    if (lesson !== null) lessons.openFromLink(lesson);
    else loadFromHash();
  });
}

/** After a divergence: η → `lr` on the running Lab (live) and go on from the kept state. */
function continueWithLr(lr) {
  if (!setKey('train.lr', lr)) return;
  status.clearDivergence();
  runs.play();
}

async function boot() {
  status.setStatus('loading…');
  // The module uses WebAssembly SIMD (see .cargo/config.toml): say so plainly
  // instead of failing with a compile error on an engine without it.
  if (!(await simd())) {
    status.setStatus('error');
    showError('loading the wasm module', 'this browser does not support WebAssembly SIMD (Chrome/Edge 91+, Firefox 89+, Safari 16.4+); the lab needs it');
    return;
  }
  // The worker compiles its own instance of the module: start it now, so the two
  // compilations run side by side (the first chart waits for both).
  runs.startRun(runHandlers);
  let wasm;
  try {
    wasm = await import('../pkg/lowrank_lab.js');
  } catch (e) {
    status.setStatus('error');
    showError('loading the wasm module', errorText(e));
    return;
  }
  let presets = [];
  try {
    presets = JSON.parse(wasm.presets_json());
  } catch (e) {
    showError('presets', errorText(e));
  }
  charts.initCharts(wasm, { frame: status.flush, drawn: live.drawn, stem });
  live.initLive((s) => {
    renderTables(s);
    lessons.follow(s);
  });
  initRewind({ reshow: live.reshow, replay: (step) => runs.send('replay', { step }) });
  status.initStatus({
    taskNames: () => (live.latest ? live.latest.tasks.map((t) => t.task) : []),
    keptStep: (task) => {
      const own = live.latest && live.latest.tasks.find((t) => t.task === task);
      return own ? own.current.step : null;
    },
    continueWith: continueWithLr,
    invalid: invalidFields,
  });
  sweep.initSweep(wasm, presets, { linkChanged: () => refreshLink() });
  initDownloads(wasm);
  compare.initCompare(wasm, {
    config: () => form.text,
    changed: () => {
      // Without a run B the charts show A alone at once (a full snapshot of A follows anyway).
      if (!run.compare) charts.snapshots.clear_compare();
      live.reshow();
      refreshLink();
    },
  });
  initForm(wasm, presets, {
    onShown: (config, prev) => {
      // Boundary panels follow the task count and generator.
      if (!prev || prev.data.generator !== config.data.generator || prev.data.tasks !== config.data.tasks) charts.renderBoundaryCards(config);
      fillWeightsPicker(config, run.depth);
      sweep.followConfig(config, form.text);
    },
    onCommit: (prev, next, fromPreset) => {
      // A new config ends the Undo of the last restart (the same one again, e.g. a blur, does not).
      if (prev !== next || fromPreset) {
        status.showRestarted(null);
        lastAside = null;
      }
      runs.applyConfig(prev, next, fromPreset);
    },
    linkConfig: () => (run.record ? JSON.stringify(run.record.config) : null),
    linkSweep: () => sweep.linkAxesNow(),
    onLinkSweep: (axes) => sweep.fromLink(axes),
    linkCompare: () => compare.linkSets(),
    onLinkCompare: (sets) => compare.fromLink(sets),
    onValidity: () => status.updateButtons(),
  });
  runs.setReady(wasm);
  bindRunButtons();
  initKeys({ playing: () => run.playing, rewindBy });
  initPresent({ redraw: charts.markAllStale });
  installTestHooks(wasm);
  // A run saved at the last visit continues if the config is the same.
  const savedRun = await Promise.race([store.loadRun(), new Promise((resolve) => setTimeout(() => resolve(null), 3000))]);
  lessons.initLessons(wasm, {
    load: choosePresetConfig,
    config: () => form.text,
    chartCaption: (key) => $(`figure.chart[data-chart="${CSS.escape(key)}"] figcaption span`)?.textContent || null,
  });
  // A lesson's link (#lesson=ID) opens its step; any other hash is a config link.
  const lesson = lessons.lessonInHash();
  if (lesson !== null) {
    // Not a config link: the page starts from the saved (or default) config, then the step loads its own.
    history.replaceState(null, '', location.pathname + location.search);
    loadFromHash(null);
    lessons.openFromLink(lesson);
  } else if (loadFromHash(savedRun)) {
    // The run's own preset (its config after a live λ or η change matches none): the title and the link keep it.
    const { preset, presetModified } = savedRun;
    runs.requestRestore(savedRun.state, 'reload', { liveChanges: savedRun.liveChanges || [], record: savedRun.record || null, compare: savedRun.compare || null, preset, presetModified });
  }
  // A config set aside after it crashed the lab twice: say so until the visitor decides.
  showQuarantine(store.loadQuarantine());
  // A presentation link (?present=KEY,…): those charts over the window.
  presentFromLink();
}

boot();
