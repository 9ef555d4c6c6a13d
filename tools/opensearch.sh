#!/usr/bin/env bash
# Provides a runnable OpenSearch for the storage integration test (Jaeger writes daily indices, the
# index cleaner deletes them) and prints its home folder. Elasticsearch's own integ-test-zip on Maven
# Central lacks the `GET /` endpoint Jaeger's client checks, so the test runs OpenSearch, which
# Jaeger drives with the same code path (and which AWS OpenSearch Service runs).
#
# The distribution is OpenSearch's integ-test-zip from Maven Central (fetched with Maven, the only
# route this project has to it), unpacked once into the tools cache beside the Go tools. It needs
# a Java 17+ runtime, and refuses to run as root: the test starts it as an unprivileged user.
set -euo pipefail

tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$tools_dir/versions.env"
cache_root=${ORDER_TRACING_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-tracing/tools}
home="$cache_root/opensearch-$OPENSEARCH_VERSION"
mkdir -p "$cache_root"

log() { printf '[opensearch] %s\n' "$*" >&2; }

need() {
  local command=$1 package=$2
  command -v "$command" >/dev/null && return
  log "installing $package (provides $command)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  fi
}

exec {lock_fd}>"$home.lock"
flock "$lock_fd"
if [ ! -f "$home/.complete" ]; then
  need java openjdk-17-jre-headless
  need mvn maven
  need unzip unzip
  artifact="org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip"
  log "fetching $artifact"
  mvn -q -B -Dstyle.color=never dependency:get -Dartifact="$artifact" -Dtransitive=false >&2
  repo="$HOME/.m2/repository"
  zip="$repo/org/opensearch/distribution/integ-test-zip/opensearch/$OPENSEARCH_VERSION/opensearch-$OPENSEARCH_VERSION.zip"
  rm -rf "$home.tmp" && mkdir -p "$home.tmp"
  unzip -q "$zip" -d "$home.tmp"
  touch "$home.tmp/.complete"
  rm -rf "$home" && mv "$home.tmp" "$home"
fi
exec {lock_fd}>&-
echo "$home/opensearch-$OPENSEARCH_VERSION"
