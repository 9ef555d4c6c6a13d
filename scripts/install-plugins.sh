#!/usr/bin/env bash
# Installs the engine plugins this project runs into $PULUMI_HOME/plugins, where `pulumi plugin
# install` puts the plugins it downloads: the CLI then finds them as installed plugins instead of
# warning "using … from $PATH" about ambient ones (scripts/env.sh ignores ambient plugins).
#
#   resource kubernetes   .tools/bin/pulumi-resource-kubernetes (built from source, or the download
#                         scripts/pulumi-cli.sh linked there)
#   language nodejs       tools/language-host/host.ts in front of the Go-built host; only with the
#                         CLI built from source (a released CLI ships its own next to it)
#   resource pulumi-nodejs the dynamic-provider host of the project's @pulumi/pulumi; idem
#
# Quick and silent when everything is installed already: scripts/pulumi.sh runs it before each
# command, so a fresh PULUMI_HOME (a test's project copy) gets the plugins on first use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
# shellcheck source=../tools/versions.env
source "$repo_dir/tools/versions.env"

# What each installed plugin was installed from, so an up-to-date install costs two file reads.
state="$PULUMI_HOME/order-tracing-plugins"
mkdir -p "$state"

# install KIND NAME VERSION FILE: installs FILE as that plugin unless it is installed already.
# `pulumi plugin install --file` refuses the plugins a release bundles (language nodejs, resource
# pulumi-nodejs), so those are placed in the same documented layout of the plugin cache:
# $PULUMI_HOME/plugins/<kind>-<name>-v<version>/pulumi-<kind>-<name>.
install() {
  local kind=$1 name=$2 version=$3 file=$4
  local dir="$PULUMI_HOME/plugins/$kind-$name-v$version"
  local stamp="$state/$kind-$name" source
  [ -e "$file" ] || {
    echo "[plugins] $file is missing: run \`bash scripts/setup.sh\` (docs/tools.md)" >&2
    exit 1
  }
  source="$(readlink -f "$file") $(stat -Lc '%s %Y' "$file")"
  if [ -x "$dir/pulumi-$kind-$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$source" ]; then return 0; fi
  if [ "$name" = nodejs ] || [ "$name" = pulumi-nodejs ]; then
    rm -rf "$dir" && mkdir -p "$dir" && cp "$file" "$dir/pulumi-$kind-$name"
  else
    pulumi plugin install "$kind" "$name" "$version" --file "$file" --reinstall >/dev/null
  fi
  printf '%s\n' "$source" >"$stamp"
}

# launcher NAME: writes the script on stdin to $state/NAME, keeping its time stamp when unchanged.
launcher() {
  local target="$state/$1" text
  text=$(cat)
  if [ "$(cat "$target" 2>/dev/null)" != "$text" ]; then
    printf '%s\n' "$text" >"$target"
    chmod +x "$target"
  fi
  printf '%s\n' "$target"
}

install resource kubernetes "$PULUMI_KUBERNETES_VERSION" "$repo_dir/.tools/bin/pulumi-resource-kubernetes"

# A released CLI carries the Node.js language host and the dynamic-provider host beside it (the CLI
# prefers those); the CLI built from source does not, so the project installs its own. An installed
# plugin runs from $PULUMI_HOME, so each names the project folder it belongs to.
cli_dir=$(dirname "$(readlink -f "$(command -v pulumi)")")
if [ ! -x "$cli_dir/pulumi-language-nodejs" ]; then
  language_host=$(
    launcher pulumi-language-nodejs <<LAUNCHER
#!/usr/bin/env bash
# The project's Node.js language host (tools/language-host/host.ts) in front of the Go-built host.
repo="$repo_dir"
export ORDER_TRACING_GO_LANGUAGE_HOST="\$repo/.tools/bin/pulumi-language-nodejs-go"
export TS_NODE_PROJECT="\$repo/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true
exec node -r "\$repo/node_modules/ts-node/register" "\$repo/tools/language-host/host.ts" "\$@"
LAUNCHER
  )
  install language nodejs "$PULUMI_VERSION" "$language_host"
fi
if [ ! -x "$cli_dir/pulumi-resource-pulumi-nodejs" ]; then
  dynamic_host=$(
    launcher pulumi-resource-pulumi-nodejs <<LAUNCHER
#!/bin/sh
# The engine's plugin for Pulumi dynamic providers (pulumi.dynamic.Resource, e.g. the stack-generated
# oauth2-proxy cookie secret): the dynamic-provider host of the project's own @pulumi/pulumi.
exec node "$repo_dir/node_modules/@pulumi/pulumi/cmd/dynamic-provider" "\$@"
LAUNCHER
  )
  install resource pulumi-nodejs "$PULUMI_VERSION" "$dynamic_host"
fi
