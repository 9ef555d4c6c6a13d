#!/usr/bin/env bash
# README's first command: sets up what it needs on a fresh machine (a pulumi CLI already on PATH of
# a supported version and its plugin downloads, else built from source; docs/tools.md) and runs
# `pulumi up` of a stack (dev by default) against the local file backend. With no cluster configured
# the dev stack renders its manifests to rendered/<stack> through the kubernetes provider's render mode.
#   npm run up              # the dev stack
#   npm run up -- prod      # another stack (needs its kubeconfig/context and secrets)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo_dir"
stack=${1:-dev}

# Only what `pulumi up` needs; `npm run setup` adds the tools of the tests and the sandbox.
bash scripts/setup.sh deploy
pulumi login --local >/dev/null 2>&1 || true
pulumi login "$PULUMI_BACKEND_URL" >/dev/null
pulumi stack select --create "$stack" >/dev/null

# Render mode writes a manifest only when a resource is created or changed (pulumi-kubernetes
# issue 4121, fixed in v4.26): a manifest removed since the last run would stay missing. Forget
# exactly those resources (and what depends on them) in the state, so the up below renders them again.
mapfile -t missing < <(pulumi stack export --stack "$stack" | node -r ts-node/register/transpile-only scripts/rendered-manifests.ts missing-urns)
if [ ${#missing[@]} -gt 0 ]; then
  echo "[up] ${#missing[@]} manifest(s) missing from the render folder: rendering them again"
  for urn in "${missing[@]}"; do
    # A resource already forgotten as a dependent of an earlier one is fine.
    pulumi state delete --stack "$stack" --yes --force --target-dependents "$urn" >/dev/null 2>&1 || true
  done
fi

pulumi up --yes --stack "$stack" --skip-preview --suppress-progress

render_dir=$(pulumi stack output --stack "$stack" renderedManifests 2>/dev/null || true)
if [ -n "$render_dir" ]; then
  count=$(find "$render_dir" -name '*.yaml' | wc -l)
  echo "[up] $count manifests rendered to $render_dir"
fi
echo "[up] stack outputs ($stack):"
pulumi stack output --stack "$stack"
