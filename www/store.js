// What survives a reload: the config in localStorage (small, read at boot
// before anything else), and the last paused or finished run (its exported
// RunState, possibly megabytes) in IndexedDB. Nothing here throws: storage
// that is unavailable (private windows, quota) just keeps nothing.

const CONFIG_KEY = 'lowrank-lab.config';
const CRASH_KEY = 'lowrank-lab.crashes';
const QUARANTINE_KEY = 'lowrank-lab.quarantine';
const DB_NAME = 'lowrank-lab';
const STORE = 'runs';
const RUN_KEY = 'current';

/** {config, preset, presetModified} saved by saveConfig, or null. */
export function loadConfig() {
  try {
    const v = JSON.parse(localStorage.getItem(CONFIG_KEY));
    return v && typeof v.config === 'string' ? v : null;
  } catch (e) {
    return null;
  }
}

export function saveConfig(record) {
  try {
    localStorage.setItem(CONFIG_KEY, JSON.stringify(record));
    return true;
  } catch (e) {
    return false;
  }
}

function readJson(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch (e) {
    return null;
  }
}

function writeJson(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false;
  }
}

/** {config, count} of the config whose runs crashed the worker (the last one that did), or null. */
export function loadCrashes() {
  const v = readJson(CRASH_KEY);
  return v && typeof v.config === 'string' && typeof v.count === 'number' ? v : null;
}

export function saveCrashes(record) {
  return writeJson(CRASH_KEY, record);
}

/** {config, link, message, at}: the config kept aside after it crashed the lab twice, or null. */
export function loadQuarantine() {
  const v = readJson(QUARANTINE_KEY);
  return v && typeof v.config === 'string' ? v : null;
}

export function saveQuarantine(record) {
  return writeJson(QUARANTINE_KEY, record);
}

let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      if (typeof indexedDB === 'undefined') {
        reject(new Error('IndexedDB is not available'));
        return;
      }
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    dbPromise.catch(() => {
      dbPromise = null;
    });
  }
  return dbPromise;
}

function tx(mode, fn) {
  return db().then(
    (d) =>
      new Promise((resolve, reject) => {
        const t = d.transaction(STORE, mode);
        const req = fn(t.objectStore(STORE));
        t.oncomplete = () => resolve(req.result);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error || new Error('IndexedDB transaction aborted'));
      }),
  );
}

/** The saved run {config, preset, presetModified, liveChanges, state, step, savedAt}, or null. */
export function loadRun() {
  return tx('readonly', (s) => s.get(RUN_KEY)).then(
    (r) => (r && typeof r.state === 'string' && typeof r.config === 'string' ? r : null),
    () => null,
  );
}

// Writes run one after another; of the saves queued behind a running one only
// the newest is written (states come every ~2 s while training).
let chain = Promise.resolve();
let queued = null;

/** Save `record` (replacing the previous run); resolves to the record written (a newer one
 * queued meanwhile replaces it), or null if nothing could be written. */
export function saveRun(record) {
  const first = queued === null;
  queued = record;
  if (!first) return chain;
  chain = chain.then(() => {
    const r = queued;
    queued = null;
    if (!r) return null;
    return tx('readwrite', (s) => s.put(r, RUN_KEY)).then(
      () => r,
      () => null,
    );
  });
  return chain;
}

/** Forget the saved run (a new run replaces it once it pauses or finishes). */
export function clearRun() {
  queued = null;
  chain = chain.then(() =>
    tx('readwrite', (s) => s.delete(RUN_KEY)).then(
      () => true,
      () => false,
    ),
  );
  return chain;
}
