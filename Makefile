# wasirun build tooling. Every target is phony: make is a task runner here, and the
# go tool does its own caching.

GO       ?= go
FUZZTIME ?= 10s
# Seeds include megabyte-sized real packages; minimising each new input for the
# default 60s would eat the whole FUZZTIME.
FUZZMINIMIZETIME ?= 2s
BIN      := bin/wasirun

# bash with pipefail, so that a failing command on the left of a pipe fails the
# recipe (the fuzz target relies on it).
SHELL       := bash
.SHELLFLAGS := -euo pipefail -c

.PHONY: build test docs bench fuzz check demo clean

## build: the wasirun binary in bin/, statically linked (CGO_ENABLED=0)
# Without cgo the binary loads no libc and no dynamic linker: it starts about a
# millisecond sooner (a fifth of a tiny module's run) and runs on any Linux.
# The linker writes its output through a memory mapping, which leaves the file's
# pages in the page cache in a form that made every start about 10% slower (until
# the cache drops them) than a copy of the same file written in one go; so the
# linked file is copied into place (a rename, so a running wasirun is not touched).
#
# The version is git describe's (the last tag, commits since it, the commit, and
# -dirty with uncommitted changes; the commit alone before the first tag). Without
# git, or outside a repository, it is empty and the binary reports its module
# version, or (devel). VERSION=v1.2.3 make build sets it by hand.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN).link ./cmd/wasirun
	cp $(BIN).link $(BIN).new
	mv -f $(BIN).new $(BIN)
	rm -f $(BIN).link

## test: vet and every test; .ci/run calls this, and it stays under 10 minutes.
## The last line names every test skipped because a shared fixture is absent.
# scripts/runtests is go test -json turned back into go test's usual output, with
# that line added; it also sets WASIRUN_FIXTURES_STAMP (a digest of the fixtures
# folder's listing), so that go test's cache, which does not look at files outside
# the module, reruns the fixture tests when the fixtures appear or change.
# TESTJSON=FILE also keeps go test's -json events in FILE (each test's Elapsed).
test:
	$(GO) vet ./...
	$(GO) test -race -timeout 5m -run 'Hammer|Race' ./internal/vfs/ ./internal/wasi/
	$(GO) run ./scripts/runtests -go $(GO) $(if $(TESTJSON),-json $(TESTJSON)) -- -timeout 10m ./...

## docs: regenerate docs/cli, the per-command reference, from the command tree
# go test fails (TestCLIDocs) when docs/cli is stale.
docs:
	$(GO) test ./cmd/wasirun -run '^TestCLIDocs$$' -update

## bench: every benchmark, with allocations; then wasirun run against the wazero
## CLI, side by side (medians of 200 runs each for the tiny module, 30 for the
## others, and their ratio)
bench:
	$(GO) test -run '^$$' -bench . -skip 'Startup|VolumeRead' -benchmem ./...
	$(GO) test -run '^$$' -bench 'Startup(Warm|Cold)/tiny' -benchtime 200x ./cmd/wasirun
	$(GO) test -run '^$$' -bench 'Startup(Warm|Cold)/go|VolumeRead' -benchtime 30x ./cmd/wasirun

## fuzz: every Fuzz* target of every package, each for FUZZTIME (default 10s)
# go test -list prints a package's fuzz targets, then "ok <package> <time>"; awk
# turns that into "<package> <target>" lines. New targets are picked up by name.
fuzz:
	@targets=$$($(GO) test -list '^Fuzz' ./... | awk ' \
		/^Fuzz/ { names[n++] = $$1; next } \
		/^ok[ \t]/ { for (i = 0; i < n; i++) print $$2, names[i] } \
		/^(ok|FAIL|\?)[ \t]/ { n = 0 }'); \
	if [ -z "$$targets" ]; then echo "no fuzz targets"; exit 0; fi; \
	while read -r pkg target; do \
		echo "== fuzz $$pkg $$target for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) "$$pkg"; \
	done <<< "$$targets"

## check: vet, gofmt, tidy go.mod/go.sum, cross-builds for windows and darwin
check:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: not formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy
	git diff --exit-code go.mod go.sum
	GOOS=windows GOARCH=amd64 $(GO) build ./...
	GOOS=darwin GOARCH=arm64 $(GO) build ./...

## demo: build, then run scripts/demo.sh
demo: build
	bash scripts/demo.sh

## clean: remove build and coverage outputs
clean:
	rm -rf bin
	rm -f coverage.out cover.out coverage.html *.coverprofile
