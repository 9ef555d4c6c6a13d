#!/usr/bin/env bash
# Everything the two README commands need on a fresh machine: npm packages and the Go-built tools
# (built once per machine, then reused from ~/.cache/order-tracing).
#   bash scripts/setup.sh           everything `npm test`, the sandbox and the benchmarks need
#   bash scripts/setup.sh deploy    only what `pulumi up` needs (scripts/up.sh): the npm packages,
#                                   the pulumi CLI and its plugins
# A pulumi CLI already on PATH of a supported version is used, and its plugin downloads; only what
# is still missing is built from source (scripts/pulumi-cli.sh, docs/tools.md).
set -euo pipefail
scope=${1:-all}
case "$scope" in
  all | deploy) ;;
  *)
    echo "usage: bash scripts/setup.sh [deploy]" >&2
    exit 2
    ;;
esac
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
# The pulumi CLI: the one on PATH when supported (linked into .tools/bin), else built below.
missing=$(bash scripts/pulumi-cli.sh provide)
mapfile -t pulumi_tools < <(printf '%s' "$missing" | grep .)
if [ "$scope" = deploy ]; then
  [ ${#pulumi_tools[@]} -eq 0 ] || bash tools/build.sh "${pulumi_tools[@]}"
  bash scripts/install-plugins.sh
  exit 0
fi
# The reference Shop, CRM and MES (examples/order-system): their own npm package, compiled to the
# dist/ the sandbox and the e2e tests run. After the instrumentation: they use its status API.
if [ ! -f examples/order-system/node_modules/.package-lock.json ] || [ examples/order-system/package-lock.json -nt examples/order-system/node_modules/.package-lock.json ]; then
  echo "[setup] installing the order system's npm packages"
  npm ci --prefix examples/order-system --no-audit --no-fund
fi
npm run --prefix examples/order-system --silent build
bash scripts/install-system-deps.sh
# Every tool but the Pulumi side that pulumi-cli.sh provided already.
provided=()
for tool in pulumi pulumi-language-nodejs pulumi-resource-kubernetes; do
  [[ " ${pulumi_tools[*]} " == *" $tool "* ]] || provided+=("$tool")
done
if [ ${#provided[@]} -gt 0 ]; then bash tools/build.sh --except "${provided[@]}"; else bash tools/build.sh; fi
# The engine plugins, installed where the CLI looks for them ($PULUMI_HOME/plugins).
bash scripts/install-plugins.sh
# The reference MES on the JVM and the OpenTelemetry Java agent (`order-tracing local up --mes jvm`).
bash scripts/build-mes-jvm.sh
