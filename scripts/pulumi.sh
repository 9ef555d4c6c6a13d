#!/usr/bin/env bash
# Runs the project's pinned pulumi CLI with the local backend and ambient plugins:
#   bash scripts/pulumi.sh preview --stack dev --policy-pack policies
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo_dir"
exec pulumi "$@"
