//! Threads in the browser (the `wasm-threads` build only): rayon's global pool
//! on Web Workers that share this module's memory, and the clock the split
//! tuner reads (`net::tune`, in every build).
//!
//! The approach is wasm-bindgen-rayon's (a pool builder whose spawn handler
//! hands each rayon thread to a Web Worker that instantiates the same module
//! on the same shared memory and runs the thread's loop), written here for
//! two reasons: a pool thread that traps (a Rust panic aborts) must tell the
//! page, or the training worker, asleep waiting for that thread, would hang
//! for good (src/web/pool.js posts the panic message on a BroadcastChannel
//! the page listens to); and the page's Content-Security-Policy allows
//! workers from its own origin only, where the crate's bundler-free variant
//! starts them from blob: URLs.
//!
//! The pool is started by the training worker (a worker, so it may block on
//! `Atomics.wait`), never by the page's main thread, which loads the build
//! without threads. Until it is running, `net::par::threads()` is 1 and
//! nothing touches rayon.

#[cfg(web_worker)]
use super::Lab;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` of the worker or window this runs in (ms).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

fn seconds() -> f64 {
    performance_now() * 1e-3
}

/// Give the split tuner its clock (called by `start`).
pub fn install_clock() {
    crate::net::tune::set_clock(seconds);
}

#[cfg(feature = "wasm-threads")]
pub use threaded::*;

#[cfg(feature = "wasm-threads")]
mod threaded {
    use js_sys::Promise;
    use rayon::ThreadBuilder;
    use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
    use std::sync::Mutex;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/web/pool.js")]
    extern "C" {
        #[wasm_bindgen(js_name = startWorkers)]
        fn start_workers(module: JsValue, memory: JsValue, builder: PoolBuilder, channel: &str) -> Promise;
    }

    /// Handed to src/web/pool.js: how many threads, and the channel their work arrives on.
    #[wasm_bindgen]
    pub struct PoolBuilder {
        threads: usize,
        sender: SyncSender<ThreadBuilder>,
        /// Leaked: the workers wait on it after the builder is gone.
        receiver: &'static Mutex<Receiver<ThreadBuilder>>,
    }

    #[wasm_bindgen]
    impl PoolBuilder {
        #[wasm_bindgen(js_name = numThreads)]
        pub fn num_threads(&self) -> usize {
            self.threads
        }

        /// The address each pool worker waits on (leaked, so it outlives them).
        pub fn receiver(&self) -> usize {
            self.receiver as *const Mutex<Receiver<ThreadBuilder>> as usize
        }

        /// Called by pool.js once every worker runs: rayon's global pool, each
        /// of its threads sent to a waiting worker.
        pub fn build(&mut self) -> Result<(), JsError> {
            let sender = self.sender.clone();
            rayon::ThreadPoolBuilder::new()
                .num_threads(self.threads)
                .thread_name(|i| format!("lowrank-lab pool {i}"))
                .spawn_handler(move |thread| sender.send(thread).map_err(|e| std::io::Error::other(e.to_string())))
                .build_global()
                .map_err(|e| JsError::new(&format!("the thread pool could not start: {e}")))?;
            crate::net::par::set_pool_ready(self.threads);
            Ok(())
        }
    }

    /// Start a pool of `threads` Web Workers (resolves when rayon's pool runs).
    /// A pool thread that traps posts `{type: 'pool_crash', message}` on the
    /// BroadcastChannel named `channel`.
    #[wasm_bindgen]
    pub fn init_thread_pool(threads: usize, channel: &str) -> Result<Promise, JsError> {
        if threads == 0 {
            return Err(JsError::new("init_thread_pool: threads must be at least 1, got 0"));
        }
        let (sender, receiver) = sync_channel(threads);
        let builder = PoolBuilder {
            threads,
            sender,
            receiver: Box::leak(Box::new(Mutex::new(receiver))),
        };
        Ok(start_workers(wasm_bindgen::module(), wasm_bindgen::memory(), builder, channel))
    }

    /// A pool worker's life: take one rayon thread from the builder's channel and run it.
    #[wasm_bindgen]
    pub fn pool_thread_run(receiver: usize) -> Result<(), JsError> {
        // SAFETY: `receiver` is the address `PoolBuilder::receiver` gave out, of a
        // leaked Mutex that lives as long as the module.
        let receiver = unsafe { &*(receiver as *const Mutex<Receiver<ThreadBuilder>>) };
        let thread = {
            let r = receiver.lock().map_err(|_| JsError::new("pool channel poisoned"))?;
            r.recv().map_err(|_| JsError::new("the thread pool was not built"))?
        };
        thread.run();
        Ok(())
    }
}

/// What this module was built with and what it runs on, for the page's mode
/// line: `{"simd": bool, "relaxed_simd": bool, "threaded_build": bool, "threads": n}`
/// (`threads`: the running pool's size, 1 without one).
#[wasm_bindgen]
pub fn build_info() -> String {
    serde_json::json!({
        "simd": cfg!(target_feature = "simd128"),
        "relaxed_simd": cfg!(target_feature = "relaxed-simd"),
        "threaded_build": cfg!(feature = "wasm-threads"),
        "threads": crate::net::par::threads(),
    })
    .to_string()
}

#[cfg(web_worker)]
#[wasm_bindgen]
impl Lab {
    /// How every trainer's steps split work across threads, for tests and
    /// measurements: "auto" (timed, `net::tune`), "never", "always" or
    /// "owned" (`train::owned`). The numbers do not change (the e2e tests
    /// compare exported states).
    pub fn debug_split_for_tests(&mut self, how: &str) -> Result<(), JsError> {
        use crate::net::tune::SplitTuner;
        let make = || match how {
            "auto" => Ok(SplitTuner::new()),
            "never" => Ok(SplitTuner::fixed(usize::MAX)),
            "always" => Ok(SplitTuner::fixed(0)),
            "owned" => Ok(SplitTuner::fixed(crate::net::tune::OWNED)),
            _ => Err(JsError::new(&format!("split must be auto, never, always or owned, got `{how}`"))),
        };
        for t in self.run.trainers_mut() {
            t.set_split_tuner(make()?);
        }
        Ok(())
    }

    /// What each trainer's split tuner has measured (JSON array of `TunerReport`).
    pub fn split_report(&self) -> String {
        let reports: Vec<_> = self.run.trainers().iter().map(|t| t.split_report()).collect();
        serde_json::to_string(&reports).unwrap_or_default()
    }
}

/// Panics on a pool thread while this thread waits for it (the threaded
/// build; the e2e test of the page's recovery from a trap on a pool thread).
/// Without a pool, panics here.
#[wasm_bindgen]
pub fn debug_pool_panic_for_tests(message: &str) {
    #[cfg(feature = "wasm-threads")]
    if crate::net::par::threads() >= 2 {
        let message = message.to_string();
        rayon::scope(|s| s.spawn(move |_| panic!("{message}")));
    }
    panic!("{message}");
}
