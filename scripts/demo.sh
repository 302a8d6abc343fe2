#!/usr/bin/env bash
# Demo of wasirun, run by "make demo" after "make build" (bin/wasirun).
set -euo pipefail

echo "TODO: demo not written yet"
exit 0
