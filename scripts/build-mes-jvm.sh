#!/usr/bin/env bash
# Builds the reference MES on the JVM (examples/order-system/mes-jvm) with Maven, once: one runnable
# jar, plus the OpenTelemetry Java agent (the version the stack's Operator image names) copied from
# Maven Central by the same build. The result lands in a cache outside the work tree, keyed by a
# fingerprint of the JDK, Maven and the project's sources, and is linked into mes-jvm/build/, so a
# fresh clone on the same machine (CI) reuses it instead of rebuilding.
#
#   scripts/build-mes-jvm.sh     build (or reuse) build/mes.jar and build/agent/javaagent.jar
#
# The build time is appended to .tools/build-times.log (seconds, 0 when reused).
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
project="$repo_dir/examples/order-system/mes-jvm"
cache_root=${ORDER_TRACING_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-tracing/tools}
log() { printf '[mes-jvm] %s\n' "$*" >&2; }

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null; then
    log "$tool is missing: install a JDK 17 and Maven 3.8+ (Debian: apt-get install openjdk-17-jdk-headless maven)"
    exit 1
  fi
done

print=$(
  {
    java -version 2>&1
    mvn -v 2>&1 | head -1
    cd "$project" && find pom.xml src -type f | LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -c1-12
)
dir="$cache_root/mes-jvm-$print"
mkdir -p "$cache_root" "$repo_dir/.tools"
started=$SECONDS seconds=0
exec {lock_fd}>"$dir.lock"
flock "$lock_fd"
if [ ! -f "$dir/.complete" ]; then
  log "building the JVM MES with Maven (a few minutes the first time on a machine)"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/project"
  cp -r "$project/pom.xml" "$project/src" "$dir.tmp/project/"
  (cd "$dir.tmp/project" && mvn -B -q -ntp package)
  mkdir -p "$dir.tmp/agent"
  mv "$dir.tmp/project/target/mes.jar" "$dir.tmp/mes.jar"
  mv "$dir.tmp/project/target/agent/javaagent.jar" "$dir.tmp/agent/javaagent.jar"
  rm -rf "$dir.tmp/project"
  touch "$dir.tmp/.complete"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  seconds=$((SECONDS - started))
  log "built the JVM MES in ${seconds}s"
fi
mkdir -p "$project/build/agent"
ln -sfn "$dir/mes.jar" "$project/build/mes.jar"
ln -sfn "$dir/agent/javaagent.jar" "$project/build/agent/javaagent.jar"
exec {lock_fd}>&-
printf '%s\t%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" mes-jvm "$print" "$seconds" >>"$repo_dir/.tools/build-times.log"
