# The commands the README names. `make test` is what CI runs.
.PHONY: test test-native
CARGO ?= cargo

test: test-native

test-native:
	$(CARGO) test --release
