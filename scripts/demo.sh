#!/usr/bin/env bash
# Demo of wasirun, run by "make demo" from the repository root after "make build"
# (bin/wasirun): build the demo package of testdata/demo, then show what it holds.
set -euo pipefail

wasirun=bin/wasirun
if [[ ! -x $wasirun ]]; then
	echo "demo: $wasirun not found; run make build (or make demo) first" >&2
	exit 1
fi

echo "==> building the demo guest: testdata/demo/hello.wasm (GOOS=wasip1 GOARCH=wasm)"
GOOS=wasip1 GOARCH=wasm go build -o testdata/demo/hello.wasm ./testdata/demo

echo
echo "==> building the demo package: $wasirun package build testdata/demo -o bin/demo.webc"
"$wasirun" package build testdata/demo -o bin/demo.webc

echo
echo "==> inspecting it: $wasirun inspect bin/demo.webc"
"$wasirun" inspect bin/demo.webc

echo
echo "==> checking every hash, as JSON: $wasirun inspect --verify --json bin/demo.webc | head -20"
# The report is captured first, so that a failed check fails the demo and head
# closing the pipe early cannot kill wasirun with SIGPIPE.
report=$("$wasirun" inspect --verify --json bin/demo.webc)
head -20 <<<"$report"
