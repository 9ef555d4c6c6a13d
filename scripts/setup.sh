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
# The instrumentation is its own npm package (its tree is what the init-container image ships);
# its bundle is the folder tests and the sandbox preload, as the image would.
if [ ! -f instrumentation/node_modules/.package-lock.json ] || [ instrumentation/package-lock.json -nt instrumentation/node_modules/.package-lock.json ]; then
  echo "[setup] installing the instrumentation's npm packages"
  npm ci --prefix instrumentation --no-audit --no-fund
fi
npm run --prefix instrumentation --silent build
# The reference Shop, CRM and MES (examples/order-system): their own npm package, compiled to the
# dist/ the sandbox and the e2e tests run. After the instrumentation: they use its status API.
if [ ! -f examples/order-system/node_modules/.package-lock.json ] || [ examples/order-system/package-lock.json -nt examples/order-system/node_modules/.package-lock.json ]; then
  echo "[setup] installing the order system's npm packages"
  npm ci --prefix examples/order-system --no-audit --no-fund
fi
npm run --prefix examples/order-system --silent build
bash scripts/install-system-deps.sh
bash tools/build.sh
# The engine plugins, installed where the CLI looks for them ($PULUMI_HOME/plugins).
bash scripts/install-plugins.sh
# The reference MES on the JVM and the OpenTelemetry Java agent (`order-tracing local up --mes jvm`).
bash scripts/build-mes-jvm.sh
