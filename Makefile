# The commands the README names. `make test` is what CI runs.
#
#   make start      build everything (release) and serve the page on http://127.0.0.1:8080
#   make dist       the static site in dist/ (index.html, JS, wasm; no server code)
#   make test       test-native + test-wasm + test-e2e + bench-smoke + the Slurm tests
#
# Build steps skip work when their outputs are newer than their inputs.

.PHONY: test lint test-native test-wasm test-e2e screenshot start dist wasm wasm-workers setup clean-web
CARGO ?= cargo
HOST ?= 127.0.0.1
PORT ?= 8080

# wasm-pack finds binaryen's wasm-opt (an npm package) here; webpack lives here too.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

RUST_SRC := Cargo.toml Cargo.lock $(shell find src vendor -name '*.rs' -o -name '*.js' -path 'src/*')
WEB_SRC := index.html webpack.config.js package.json package-lock.json data/digits/digits.lrc $(wildcard www/*)
WASM := pkg/lowrank_lab_bg.wasm
CLI := target/release/lowrank-lab

# The training and analysis workers' builds, one chosen at load (www/worker.js):
#   st          WebAssembly SIMD, one thread (every browser the page supports)
#   st-relaxed  the same with relaxed-SIMD fused multiply-adds in the products
#   mt          threads (shared memory, rayon on Web Workers): cross-origin isolated pages
#   mt-relaxed  threads and relaxed SIMD
# Each has its own target dir (other RUSTFLAGS rebuild everything). The
# threaded ones need nightly: std rebuilt with atomics, and since Rust 1.92's
# nightlies the shared-memory link arguments spelled out.
WORKER_BUILDS := st st-relaxed mt mt-relaxed
PKG_WEB := $(WORKER_BUILDS:%=pkg-web/%/lowrank_lab_bg.wasm)
RELAXED_FLAGS := -C target-feature=+simd128,+relaxed-simd
MT_FLAGS := -C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals \
  -C link-arg=--shared-memory -C link-arg=--import-memory -C link-arg=--max-memory=4294967296 \
  -C link-arg=--export=__wasm_init_tls -C link-arg=--export=__tls_size \
  -C link-arg=--export=__tls_align -C link-arg=--export=__tls_base
MT_BUILD := RUSTUP_TOOLCHAIN=nightly wasm-pack build --profile wasm-release --target web
MT_STD := -Z build-std=panic_abort,std

test: lint test-native test-wasm test-e2e bench-smoke test-slurm test-slurm-scale

# Formatting, and clippy with warnings as errors: natively on every target (lib,
# CLI, tests, benches, examples), on the wasm lib (src/web, with both the
# page's and the workers' exports), and on the threaded wasm lib as the mt
# builds compile it (nightly, std rebuilt with atomics: code under
# wasm32 + threads that no other build sees; its own target dir, check
# metadata only). Allowed lints: Cargo.toml's [lints.clippy].
lint: | setup
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) clippy --release --target wasm32-unknown-unknown --no-default-features --features bench-exports --lib -- -D warnings
	CARGO_TARGET_DIR=target/clippy-mt RUSTFLAGS="$(MT_FLAGS) -C target-feature=+relaxed-simd" RUSTUP_TOOLCHAIN=nightly \
	  $(CARGO) clippy --release --target wasm32-unknown-unknown --no-default-features --features wasm-threads,web-worker,bench-exports --lib $(MT_STD) -- -D warnings

test-native:
	$(CARGO) test --release

# Tools (wasm32 target, wasm-bindgen, wasm-pack, chromium, npm packages): idempotent.
setup:
	@bash scripts/setup.sh

# The release wasm package the page bundles.
$(WASM): $(RUST_SRC) | setup
	wasm-pack build --profile wasm-release --target bundler --out-dir pkg -- --no-default-features --features web-page
	@touch $@

wasm: $(WASM)

pkg-web/st/lowrank_lab_bg.wasm: $(RUST_SRC) | setup
	wasm-pack build --profile wasm-release --target web --out-dir pkg-web/st -- --no-default-features --features web-worker
	@touch $@

pkg-web/st-relaxed/lowrank_lab_bg.wasm: $(RUST_SRC) | setup
	CARGO_TARGET_DIR=target/wasm-relaxed RUSTFLAGS="$(RELAXED_FLAGS)" \
	  wasm-pack build --profile wasm-release --target web --out-dir pkg-web/st-relaxed -- --no-default-features --features web-worker
	@touch $@

pkg-web/mt/lowrank_lab_bg.wasm: $(RUST_SRC) | setup
	CARGO_TARGET_DIR=target/wasm-mt RUSTFLAGS="$(MT_FLAGS)" \
	  $(MT_BUILD) --out-dir pkg-web/mt -- --no-default-features --features wasm-threads,web-worker $(MT_STD)
	@touch $@

pkg-web/mt-relaxed/lowrank_lab_bg.wasm: $(RUST_SRC) | setup
	CARGO_TARGET_DIR=target/wasm-mt-relaxed RUSTFLAGS="$(MT_FLAGS) -C target-feature=+relaxed-simd" \
	  $(MT_BUILD) --out-dir pkg-web/mt-relaxed -- --no-default-features --features wasm-threads,web-worker $(MT_STD)
	@touch $@

wasm-workers: $(PKG_WEB)

# The static site (webpack also copies pkg-web/ to dist/wasm/ and the
# service worker that isolates the page on hosts without the headers).
dist/index.html: $(WASM) $(PKG_WEB) $(WEB_SRC) | setup
	webpack --mode production

dist: dist/index.html

# Serve dist/ (exec: the server replaces the shell, so nothing is left behind).
start: dist
	@echo "lowrank-lab: open http://$(HOST):$(PORT)/"
	exec node www/serve.mjs dist $(PORT) $(HOST)

# Rust tests compiled to wasm32, in headless Chromium (tests/web.rs).
test-wasm: | setup
	@if [ -f tests/web.rs ]; then \
	  CHROMEDRIVER=$${CHROMEDRIVER:-/usr/bin/chromedriver} \
	  wasm-pack test --headless --chrome --release -- --no-default-features; \
	else \
	  echo "test-wasm: tests/web.rs is not there yet; nothing to run"; \
	fi

# The native CLI the e2e tests compare the page against.
$(CLI): $(RUST_SRC)
	$(CARGO) build --release --bin lowrank-lab
	@touch $@

# The page in headless Chromium, served from dist/ (tests/e2e/*.test.mjs).
# Writes test-output/lab.png; `make screenshot` also refreshes docs/screenshot.png.
test-e2e: dist $(CLI)
	node --test tests/e2e/

# The long-run memory tests, 10^6 steps included (not in CI; prints the measured numbers).
.PHONY: test-long
test-long: dist
	LONG=1 node --test tests/e2e/long.test.mjs

screenshot: dist $(CLI)
	UPDATE_SCREENSHOT=1 node --test --test-name-pattern='merge-orthogonal' tests/e2e/lab.test.mjs

# ---- Sweeps on a real Slurm (in `make test`; as root: installs slurm-wlm and munge if
# missing, starts a one-node cluster of its own in a temporary folder, stops it by pid) ----
.PHONY: test-slurm test-slurm-scale
# The --slurm job: submission, afterok collect, a shard cancelled mid-run and resumed (35-50 s).
test-slurm: $(CLI)
	bash tests/slurm/test.sh

# 1,000 points through Slurm, collected to the unsharded table; prints wall times and
# collect's peak memory for runs 25x apart in length (40-60 s).
test-slurm-scale: $(CLI)
	bash tests/slurm/scale.sh

clean-web:
	rm -rf dist pkg pkg-web test-output

# ---- Speed: `make bench` (not in CI) and `make bench-smoke` (in `make test`) ----
# bench/run.mjs runs the standard workloads natively, in headless Chromium (our
# wasm build bench/pkg, simd128, and the same without SIMD in bench/pkg-nosimd),
# in NumPy, JAX and TensorFlow.js (wasm); checks that all reach our final loss,
# then prints medians and writes bench/results/latest.json. bench-smoke does
# the same once on tiny sizes (seconds), so the harness cannot rot.
.PHONY: bench bench-smoke bench-setup bench-pkg bench-pkg-nosimd bench-pkg-relaxed bench-pkg-mt
BENCH_VENV := bench/.venv/.stamp
BENCH_NPM := bench/node_modules/.stamp
BENCH_PKG := bench/pkg/lowrank_lab_bg.wasm
BENCH_PKG_NOSIMD := bench/pkg-nosimd/lowrank_lab_bg.wasm
BENCH_PKG_RELAXED := bench/pkg-relaxed/lowrank_lab_bg.wasm
BENCH_PKG_MT := bench/pkg-mt/lowrank_lab_bg.wasm

$(BENCH_VENV): bench/requirements.txt
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install --disable-pip-version-check -q -r bench/requirements.txt
	@touch $@

$(BENCH_NPM): bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund
	@touch $@

bench-setup: $(BENCH_VENV) $(BENCH_NPM)

# The wasm packages the benchmark page loads (--target web: no bundler).
$(BENCH_PKG): $(RUST_SRC) | setup
	wasm-pack build --profile wasm-release --target web --out-dir bench/pkg -- --no-default-features --features bench-exports
	@touch $@

bench-pkg: $(BENCH_PKG)

# The same crate without WebAssembly SIMD (.cargo/config.toml turns simd128 on for
# every wasm build, so bench/pkg is the SIMD one): reported as browser_nosimd. Its
# own target dir, since other RUSTFLAGS would rebuild target/ each time; a failed
# build is reported and the benchmark goes on without it. (bench/pkg-simd, if
# someone builds one, is reported as browser_simd.)
$(BENCH_PKG_NOSIMD): $(RUST_SRC) | setup
	@rm -rf bench/pkg-nosimd
	CARGO_TARGET_DIR=target/wasm-nosimd RUSTFLAGS="-C target-feature=-simd128" \
	  wasm-pack build --profile wasm-release --target web --out-dir bench/pkg-nosimd -- --no-default-features --features bench-exports \
	  || { rm -rf bench/pkg-nosimd; echo "bench: the wasm build without simd128 failed; browser_nosimd is not measured"; }

bench-pkg-nosimd: $(BENCH_PKG_NOSIMD)

# The page's relaxed-SIMD and threaded (threads and relaxed SIMD) builds with
# the benchmark's exports, in those builds' target dirs (only this crate is
# rebuilt): browser_*_relaxed and browser_*_threads.
$(BENCH_PKG_RELAXED): $(RUST_SRC) | setup
	CARGO_TARGET_DIR=target/wasm-relaxed RUSTFLAGS="$(RELAXED_FLAGS)" \
	  wasm-pack build --profile wasm-release --target web --out-dir bench/pkg-relaxed -- --no-default-features --features bench-exports
	@touch $@

$(BENCH_PKG_MT): $(RUST_SRC) | setup
	CARGO_TARGET_DIR=target/wasm-mt-relaxed RUSTFLAGS="$(MT_FLAGS) -C target-feature=+relaxed-simd" \
	  $(MT_BUILD) --out-dir bench/pkg-mt -- --no-default-features --features wasm-threads,bench-exports $(MT_STD)
	@touch $@

bench-pkg-relaxed: $(BENCH_PKG_RELAXED)
bench-pkg-mt: $(BENCH_PKG_MT)

bench: bench-setup $(CLI) $(BENCH_PKG) $(BENCH_PKG_NOSIMD) $(BENCH_PKG_RELAXED) $(BENCH_PKG_MT)
	node bench/run.mjs

# The smoke test runs the threaded build too (its pool and split tuner in a
# browser), not the relaxed single-thread one (the page's e2e tests load it).
bench-smoke: bench-setup $(CLI) $(BENCH_PKG) $(BENCH_PKG_MT)
	node bench/run.mjs --smoke
	node bench/row-owned.mjs 200 1 pkg-mt --smoke
