#!/usr/bin/env bash
# Demo of wasirun, run by "make demo" from the repository root after "make build"
# (bin/wasirun): build the demo package of testdata/demo, show what it holds, then
# run it with a host directory mapped in, an environment variable and arguments.
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

echo
notes=$(mktemp -d)
trap 'rm -rf "$notes"' EXIT
echo "remember the milk" >"$notes/todo.txt"
echo "==> running it: $wasirun run --volume \$NOTES:/notes --env DEMO_MOOD=cheerful bin/demo.webc -- Alice"
"$wasirun" run --volume "$notes:/notes" --env DEMO_MOOD=cheerful bin/demo.webc -- Alice

echo
echo "==> what the guest left in the host directory: cat \$NOTES/reply.txt"
cat "$notes/reply.txt"

echo
echo "==> its view of the filesystem: $wasirun fs ls --volume \$NOTES:/notes bin/demo.webc /"
"$wasirun" fs ls --volume "$notes:/notes" bin/demo.webc /
