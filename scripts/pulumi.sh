#!/usr/bin/env bash
# Runs the project's pulumi CLI (.tools/bin) with the local backend and the
# plugins installed in $PULUMI_HOME (scripts/install-plugins.sh, quick when they are installed):
#   bash scripts/pulumi.sh preview --stack dev --policy-pack policies
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo_dir"
bash scripts/install-plugins.sh
exec pulumi "$@"
