#!/usr/bin/env bash
# Everything the two README commands need on a fresh machine: npm packages and the Go-built tools
# (built once per machine, then reused from ~/.cache/order-tracing).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo_dir"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] installing npm packages"
  npm ci --no-audit --no-fund
fi
bash tools/build.sh
