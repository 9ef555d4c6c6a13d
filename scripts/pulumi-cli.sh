#!/usr/bin/env bash
# Which pulumi CLI the project runs, and which of its tools scripts/setup.sh still has to build.
#
#   bash scripts/pulumi-cli.sh choose   prints one line and changes nothing:
#       path <file> <version>   a pulumi CLI on PATH (outside this project) of a supported version:
#                               >= PULUMI_CLI_MIN_VERSION and < PULUMI_CLI_BELOW_VERSION (tools/versions.env)
#       build <reason>          none (or an unsupported one, or ORDER_TRACING_BUILD_PULUMI=1):
#                               the pinned PULUMI_VERSION is built from source
#   bash scripts/pulumi-cli.sh provide  links the chosen CLI to .tools/bin/pulumi and prints the Go
#       tools of the Pulumi side that are still missing, one a line, for tools/build.sh. With a CLI
#       from PATH (a person with internet access) the kubernetes provider is downloaded by that CLI
#       (`pulumi plugin install`), unless ORDER_TRACING_DOWNLOADS=0; only a failed download builds it.
set -euo pipefail
scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$scripts_dir")
# shellcheck source=../tools/versions.env
source "$repo_dir/tools/versions.env"
log() { printf '[setup] %s\n' "$*" >&2; }

# version_at_least A B: whether version A >= B (dotted numbers).
version_at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

choose() {
  if [ "${ORDER_TRACING_BUILD_PULUMI:-}" = 1 ]; then
    echo "build ORDER_TRACING_BUILD_PULUMI=1"
    return
  fi
  # PATH without this project's own folders (scripts/env.sh puts .tools/bin first).
  local outside candidate version
  outside=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v -e "^$repo_dir/" -e "^$repo_dir\$" | paste -sd: -)
  candidate=$(PATH="$outside" command -v pulumi || true)
  if [ -z "$candidate" ]; then
    echo "build no pulumi CLI on PATH"
    return
  fi
  version=$("$candidate" version 2>/dev/null | head -1 | sed 's/^v//') || true
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    echo "build $candidate did not report a version"
  elif version_at_least "$version" "$PULUMI_CLI_MIN_VERSION" && ! version_at_least "$version" "$PULUMI_CLI_BELOW_VERSION"; then
    echo "path $candidate $version"
  else
    echo "build $candidate is v$version, outside the supported range >=$PULUMI_CLI_MIN_VERSION <$PULUMI_CLI_BELOW_VERSION"
  fi
}

provide() {
  local bin_dir="$repo_dir/.tools/bin" choice kind file version
  mkdir -p "$bin_dir"
  choice=$(choose)
  read -r kind file version _ <<<"$choice"
  if [ "$kind" != path ]; then
    log "pulumi CLI: building v$PULUMI_VERSION from source (${choice#build })"
    printf '%s\n' pulumi pulumi-language-nodejs pulumi-resource-kubernetes
    return
  fi
  log "pulumi CLI: $file (v$version, on PATH; supported >=$PULUMI_CLI_MIN_VERSION <$PULUMI_CLI_BELOW_VERSION)"
  ln -sfn "$file" "$bin_dir/pulumi"
  # A release carries its own Node.js language host beside it: nothing to build for that.
  local provider="$bin_dir/pulumi-resource-kubernetes"
  if [ -e "$provider" ]; then return; fi
  # Downloaded into a plugin home of its own, then linked like a built tool, so the project's
  # plugin installation (scripts/install-plugins.sh) treats both the same.
  local downloads="$repo_dir/.tools/pulumi-downloads"
  local downloaded="$downloads/plugins/resource-kubernetes-v$PULUMI_KUBERNETES_VERSION/pulumi-resource-kubernetes"
  if [ "${ORDER_TRACING_DOWNLOADS:-1}" != 0 ] &&
    PULUMI_HOME="$downloads" "$file" plugin install resource kubernetes "$PULUMI_KUBERNETES_VERSION" >&2 &&
    [ -x "$downloaded" ]; then
    log "kubernetes provider v$PULUMI_KUBERNETES_VERSION: downloaded by the pulumi CLI"
    ln -sfn "$downloaded" "$provider"
  else
    log "kubernetes provider v$PULUMI_KUBERNETES_VERSION: no download (ORDER_TRACING_DOWNLOADS=0 or offline); building it"
    echo pulumi-resource-kubernetes
  fi
}

case "${1:-}" in
  choose) choose ;;
  provide) provide ;;
  *)
    echo "usage: bash scripts/pulumi-cli.sh choose|provide" >&2
    exit 2
    ;;
esac
