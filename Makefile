# The commands the README names. `make test` is what CI runs.
#
#   make start      build everything (release) and serve the page on http://127.0.0.1:8080
#   make dist       the static site in dist/ (index.html, JS, wasm; no server code)
#   make test       test-native + test-wasm + test-e2e
#
# Build steps skip work when their outputs are newer than their inputs.

.PHONY: test test-native test-wasm test-e2e screenshot start dist wasm setup clean-web
CARGO ?= cargo
HOST ?= 127.0.0.1
PORT ?= 8080

# wasm-pack finds binaryen's wasm-opt (an npm package) here; webpack lives here too.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

RUST_SRC := Cargo.toml Cargo.lock $(shell find src -name '*.rs')
WEB_SRC := index.html webpack.config.js package.json package-lock.json $(wildcard www/*)
WASM := pkg/lowrank_lab_bg.wasm
CLI := target/release/lowrank-lab

test: test-native test-wasm test-e2e

test-native:
	$(CARGO) test --release

# Tools (wasm32 target, wasm-bindgen, wasm-pack, chromium, npm packages): idempotent.
setup:
	@bash scripts/setup.sh

# The release wasm package the page bundles.
$(WASM): $(RUST_SRC) | setup
	wasm-pack build --release --target bundler --out-dir pkg -- --no-default-features
	@touch $@

wasm: $(WASM)

# The static site.
dist/index.html: $(WASM) $(WEB_SRC) | setup
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

screenshot: dist $(CLI)
	UPDATE_SCREENSHOT=1 node --test --test-name-pattern='merge-orthogonal' tests/e2e/lab.test.mjs

clean-web:
	rm -rf dist pkg test-output
