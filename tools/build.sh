#!/usr/bin/env bash
# Builds the Go tools this project runs (pulumi CLI, its Node.js language host, the kubernetes
# provider, our collector, Jaeger v2, telemetrygen) from the Go module proxy at the versions pinned in
# tools/versions.env, once. Each build lands in a cache outside the work tree, keyed by tool, version
# and a fingerprint of its inputs, and is linked into .tools/bin, so a fresh clone on the same
# machine (CI) reuses it instead of rebuilding.
#
#   tools/build.sh            build (or reuse) every tool
#   tools/build.sh jaeger ... build (or reuse) only the named tools
#   tools/build.sh --except pulumi ...  build (or reuse) every tool but the named ones
#
# Build times are appended to .tools/build-times.log (seconds per tool, 0 when reused).
set -euo pipefail

tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$tools_dir")
# shellcheck source=versions.env
source "$tools_dir/versions.env"

cache_root=${ORDER_TRACING_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-tracing/tools}
bin_dir="$repo_dir/.tools/bin"
work_root="$repo_dir/.tools/build"
mkdir -p "$cache_root" "$bin_dir" "$work_root"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
go_version=$(go env GOVERSION)
build_flags=(-trimpath -buildvcs=false)

log() { printf '[tools] %s\n' "$*" >&2; }

# fingerprint FILE...: a short hash of the inputs that decide a build's output.
fingerprint() {
  { printf '%s\n' "$go_version"; cat "$@"; } | sha256sum | cut -c1-12
}

# provide NAME VERSION FINGERPRINT BINARY... -- COMMAND...: runs COMMAND with $out set to an empty
# folder unless the cache already holds this exact build, then links BINARY... into .tools/bin.
provide() {
  local name=$1 version=$2 print=$3
  shift 3
  local binaries=()
  while [ "$1" != "--" ]; do binaries+=("$1"); shift; done
  shift
  local key="$name-$version-$print"
  local dir="$cache_root/$key"
  local started=$SECONDS seconds=0
  # One build of a tool at a time on a machine (parallel test runs and CI share the cache).
  local lock_fd
  exec {lock_fd}>"$cache_root/$key.lock"
  flock "$lock_fd"
  if [ ! -f "$dir/.complete" ]; then
    log "building $name $version (this takes minutes the first time on a machine)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    out="$dir.tmp" "$@"
    touch "$dir.tmp/.complete"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    seconds=$((SECONDS - started))
    log "built $name in ${seconds}s"
  fi
  for binary in "${binaries[@]}"; do
    ln -sfn "$dir/$binary" "$bin_dir/$binary"
  done
  exec {lock_fd}>&-
  printf '%s\t%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$name" "$version" "$seconds" >>"$repo_dir/.tools/build-times.log"
}

# go_tool_build MODULE_DIR PACKAGE BINARY LDFLAGS: builds a main package required by a wrapper module.
go_tool_build() {
  local module_dir=$1 package=$2 binary=$3 ldflags=$4
  (cd "$module_dir" && go build "${build_flags[@]}" -ldflags "-s -w $ldflags" -o "$out/$binary" "$package")
}

build_pulumi() {
  local m="$tools_dir/pulumi"
  provide pulumi "$PULUMI_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" pulumi -- \
    go_tool_build "$m" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION"
}

# The Go host (v3.68.0) predates RunPlugin, which the CLI uses to start policy packs, so the CLI
# talks to tools/language-host/host.ts, which forwards everything else to the Go host.
build_language_nodejs() {
  local m="$tools_dir/pulumi-language-nodejs"
  provide pulumi-language-nodejs "$PULUMI_LANGUAGE_NODEJS_SDK_VERSION" \
    "$(fingerprint "$m/go.mod" "$m/go.sum" <(echo "binary: pulumi-language-nodejs-go"))" pulumi-language-nodejs-go -- \
    go_tool_build "$m" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs pulumi-language-nodejs-go \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_LANGUAGE_NODEJS_SDK_VERSION"
  # Resolved from the launcher's own location, so a copy of the project runs its own host.ts.
  cat >"$bin_dir/pulumi-language-nodejs" <<'LAUNCHER'
#!/usr/bin/env bash
repo=$(dirname "$0")/../..
export ORDER_TRACING_GO_LANGUAGE_HOST="$repo/.tools/bin/pulumi-language-nodejs-go"
export TS_NODE_PROJECT="$repo/tsconfig.json" TS_NODE_TRANSPILE_ONLY=true
exec node -r "$repo/node_modules/ts-node/register" "$repo/tools/language-host/host.ts" "$@"
LAUNCHER
  chmod +x "$bin_dir/pulumi-language-nodejs"
}

# The provider's main package embeds files generated from the module's own schema.json, which the
# module zip does not carry: generate them (as the provider's generate.go does) into the wrapper.
build_kubernetes_provider() {
  local m="$tools_dir/pulumi-resource-kubernetes"
  provide pulumi-resource-kubernetes "$PULUMI_KUBERNETES_VERSION" \
    "$(fingerprint "$m/go.mod" "$m/go.sum" "$m/main.go" "$m/embed-schema.mjs")" pulumi-resource-kubernetes -- \
    kubernetes_provider_steps "$m"
}
kubernetes_provider_steps() {
  local m=$1 src module=github.com/pulumi/pulumi-kubernetes/provider/v4
  # `go list -m` reports no folder for a module the machine has not downloaded yet (a fresh machine).
  (cd "$m" && go mod download "$module")
  src=$(cd "$m" && go list -m -f '{{.Dir}}' "$module")
  [ -n "$src" ] || { log "could not locate $module in the Go module cache"; return 1; }
  node "$m/embed-schema.mjs" "$src/cmd/pulumi-resource-kubernetes" "$m" "$PULUMI_KUBERNETES_VERSION"
  go_tool_build "$m" . pulumi-resource-kubernetes \
    "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_VERSION"
}

# Our collector for one GOARCH (amd64: the host's, run by the tests; arm64: the image's second
# platform). -buildvcs=false: the builder's generated module sits inside this git work tree, so Go
# would stamp the commit into the binary and every commit would change the image digest.
build_collector() {
  local arch=$1 manifest="$repo_dir/collector/builder-config.yaml" name=otelcol-ordertracing
  [ "$arch" = amd64 ] || name+="-$arch"
  provide "$name" "$OTELCOL_VERSION" "$(fingerprint "$manifest" <(echo "GOARCH=$arch -buildvcs=false"))" "$name" -- \
    collector_steps "$manifest" "$arch" "$name"
}
collector_steps() {
  local manifest=$1 arch=$2 name=$3 gen="$work_root/$3"
  GOBIN="$work_root/bin" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
  rm -rf "$gen" && mkdir -p "$gen"
  # The manifest stays free of machine paths: the output folder is added here.
  sed "s|^dist:|dist:\n  output_path: $gen|" "$manifest" >"$gen.yaml"
  # -e: the builder's `go mod tidy` also resolves the components' test-only imports, some of which the
  # module proxy does not serve (contrib's pkg/semconvtest); the build needs only what the binary imports.
  GOARCH=$arch GOFLAGS="$GOFLAGS -e -buildvcs=false" "$work_root/bin/builder" --config "$gen.yaml" --ldflags "-s -w" >"$gen.log" 2>&1 || {
    tail -40 "$gen.log" >&2
    return 1
  }
  cp "$gen/otelcol-ordertracing" "$out/$name"
}

build_jaeger() {
  local m="$tools_dir/jaeger"
  provide jaeger "$JAEGER_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" jaeger -- \
    go_tool_build "$m" github.com/jaegertracing/jaeger/cmd/jaeger jaeger \
    "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$JAEGER_VERSION"
}

# Jaeger's index cleaner (the retention CronJob's program), from the same wrapper module, so the
# integration test runs exactly the release the CronJob's image carries.
build_es_index_cleaner() {
  local m="$tools_dir/jaeger"
  provide jaeger-es-index-cleaner "$JAEGER_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" jaeger-es-index-cleaner -- \
    go_tool_build "$m" github.com/jaegertracing/jaeger/cmd/es-index-cleaner jaeger-es-index-cleaner ""
}

build_telemetrygen() {
  local m="$tools_dir/telemetrygen"
  provide telemetrygen "$TELEMETRYGEN_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" telemetrygen -- \
    go_tool_build "$m" github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen telemetrygen ""
}

build_gofakes3() {
  local m="$tools_dir/gofakes3"
  provide gofakes3 "$GOFAKES3_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" gofakes3 -- \
    go_tool_build "$m" github.com/johannesboyne/gofakes3/cmd/gofakes3 gofakes3 ""
}

build_oauth2_proxy() {
  local m="$tools_dir/oauth2-proxy"
  provide oauth2-proxy "$OAUTH2_PROXY_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" oauth2-proxy -- \
    go_tool_build "$m" github.com/oauth2-proxy/oauth2-proxy/v7 oauth2-proxy \
    "-X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=v$OAUTH2_PROXY_VERSION"
}

# cyclonedx-gomod: writes the CycloneDX SBOM of our collector distribution (below).
build_cyclonedx_gomod() {
  local m="$tools_dir/cyclonedx-gomod"
  provide cyclonedx-gomod "$CYCLONEDX_GOMOD_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" cyclonedx-gomod -- \
    go_tool_build "$m" github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod cyclonedx-gomod ""
}

# The SBOM of our collector for each platform of its image (otelcol-ordertracing-<arch>.cdx.json):
# cyclonedx-gomod's `app` mode on the module the builder generates from the same manifest (sources
# only: --skip-compilation), with the binary's GOARCH and flags, so it lists the modules and packages
# that binary links (the image test compares it with the binary's own build information). Kept apart
# from the collector builds so that adding it left their cache keys alone.
build_collector_sbom() {
  local manifest="$repo_dir/collector/builder-config.yaml" m="$tools_dir/cyclonedx-gomod"
  build_cyclonedx_gomod
  provide otelcol-ordertracing-sbom "$OTELCOL_VERSION" \
    "$(fingerprint "$manifest" "$m/go.mod" "$m/go.sum" <(echo "amd64 arm64 -std -licenses"))" \
    otelcol-ordertracing-amd64.cdx.json otelcol-ordertracing-arm64.cdx.json -- collector_sbom_steps "$manifest"
}
collector_sbom_steps() {
  local manifest=$1 gen arch
  # cyclonedx-gomod takes the main module's version from git: the module is generated outside this
  # work tree, in a repository of its own whose one commit is tagged with the distribution's version.
  gen=$(mktemp -d)/otelcol-ordertracing
  GOBIN="$work_root/bin" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
  sed "s|^dist:|dist:\n  output_path: $gen|" "$manifest" >"$gen.yaml"
  GOFLAGS="$GOFLAGS -e -buildvcs=false" "$work_root/bin/builder" --config "$gen.yaml" --skip-compilation >"$gen.log" 2>&1 || {
    tail -40 "$gen.log" >&2
    return 1
  }
  (
    cd "$gen" && git init -q && git add -A &&
      GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z git -c user.name=order-tracing -c user.email=order-tracing@localhost \
        commit -qm "generated by the collector builder" && git tag "v$OTELCOL_VERSION"
  )
  for arch in amd64 arm64; do
    GOARCH=$arch GOFLAGS="$GOFLAGS -buildvcs=false" "$bin_dir/cyclonedx-gomod" app -json -std -licenses -noserial \
      -notimestamp -output "$out/otelcol-ordertracing-$arch.cdx.json" "$gen"
  done
  rm -rf "$(dirname "$gen")"
}

# crane (go-containerregistry): builds, pushes and inspects OCI images without a Docker engine.
build_crane() {
  local m="$tools_dir/crane"
  provide crane "$CRANE_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" crane -- \
    go_tool_build "$m" github.com/google/go-containerregistry/cmd/crane crane ""
}

# imagebuild: our image writer on go-containerregistry's library (tools/imagebuild/main.go), the
# builder behind `npm run images`.
build_imagebuild() {
  local m="$tools_dir/imagebuild"
  provide imagebuild "$CRANE_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum" "$m/main.go")" imagebuild -- \
    go_tool_build "$m" . imagebuild ""
}

# initcopy: the static `cp -r` of the instrumentation-nodejs image, for both of its platforms.
build_initcopy() {
  local m="$tools_dir/initcopy"
  provide initcopy 1 "$(fingerprint "$m/go.mod" "$m/main.go")" initcopy-linux-amd64 initcopy-linux-arm64 -- \
    initcopy_steps "$m"
}
initcopy_steps() {
  local arch
  for arch in amd64 arm64; do
    (cd "$1" && GOARCH=$arch go build "${build_flags[@]}" -ldflags "-s -w" -o "$out/initcopy-linux-$arch" .)
  done
}

# The local control plane of the integration tests (scripts/control-plane.sh): kube-apiserver and
# kube-controller-manager, one build of one wrapper module. Both stamp their version from ldflags as
# Kubernetes' own build does (hack/lib/version.sh): the kubernetes provider reads the server version.
build_kubernetes() {
  local m="$tools_dir/kubernetes"
  provide kubernetes "$KUBERNETES_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" \
    kube-apiserver kube-controller-manager -- kubernetes_steps "$m"
}
kubernetes_steps() {
  kubernetes_packages "$1" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager
}
# kubernetes_packages MODULE_DIR PACKAGE...: builds Kubernetes commands into $out, version-stamped.
kubernetes_packages() {
  local m=$1 major=${KUBERNETES_VERSION%%.*} rest=${KUBERNETES_VERSION#*.}
  shift
  local minor=${rest%%.*} stamp="" package
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    stamp+=" -X $package.gitVersion=v$KUBERNETES_VERSION -X $package.gitMajor=$major -X $package.gitMinor=$minor"
    stamp+=" -X $package.gitTreeState=clean"
  done
  (cd "$m" && go build "${build_flags[@]}" -ldflags "-s -w$stamp" -o "$out/" "$@")
}

# The node of the single-node cluster (scripts/cluster.sh): kubelet, kube-scheduler and kube-proxy
# from the same release, in a wrapper module of its own (tools/kubernetes-node) so that the control
# plane's go.sum and cached build above stay valid; one `go build` compiles the three in parallel.
build_kubernetes_node() {
  local m="$tools_dir/kubernetes-node"
  provide kubernetes-node "$KUBERNETES_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum")" \
    kubelet kube-scheduler kube-proxy -- kubernetes_node_steps "$m"
}
kubernetes_node_steps() {
  kubernetes_packages "$1" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kube-proxy
}

# The pod sandbox's pause program (tools/pause): static, no dependencies; scripts/cluster.sh puts
# it in an image under the name containerd's sandbox_image names.
build_pause() {
  local m="$tools_dir/pause"
  provide pause 1 "$(fingerprint "$m/go.mod" "$m/main.go")" pause -- go_tool_build "$m" . pause ""
}

# CoreDNS for the cluster's kube-dns pod (scripts/cluster.sh): our main package with the plugins a
# cluster's Corefile needs; the wrapper module pins the release (COREDNS_VERSION).
build_coredns() {
  local m="$tools_dir/coredns"
  provide coredns "$COREDNS_VERSION" "$(fingerprint "$m/go.mod" "$m/go.sum" "$m/main.go")" coredns -- \
    go_tool_build "$m" . coredns ""
}

# What `npm test` uses, the single-node cluster's node binaries, pause and CoreDNS included.
all_tools=(pulumi pulumi-language-nodejs pulumi-resource-kubernetes otelcol-ordertracing otelcol-ordertracing-arm64 jaeger jaeger-es-index-cleaner telemetrygen gofakes3 oauth2-proxy kubernetes kubernetes-node pause coredns crane imagebuild initcopy cyclonedx-gomod otelcol-ordertracing-sbom)
requested=("$@")
[ ${#requested[@]} -gt 0 ] || requested=("${all_tools[@]}")
# --except NAME...: every tool but the named ones (scripts/setup.sh: the Pulumi side comes from PATH).
if [ "${1:-}" = --except ]; then
  requested=()
  for tool in "${all_tools[@]}"; do
    [[ " ${*:2} " == *" $tool "* ]] || requested+=("$tool")
  done
fi

background=()
for tool in "${requested[@]}"; do
  case "$tool" in
    pulumi) build_pulumi ;;
    pulumi-language-nodejs) build_language_nodejs ;;
    pulumi-resource-kubernetes) build_kubernetes_provider ;;
    otelcol-ordertracing | collector) build_collector amd64 ;;
    # The longest build of all, independent of the others: it runs beside them (waited for below).
    otelcol-ordertracing-arm64)
      build_collector arm64 &
      background+=($!)
      ;;
    jaeger) build_jaeger ;;
    jaeger-es-index-cleaner) build_es_index_cleaner ;;
    telemetrygen) build_telemetrygen ;;
    gofakes3) build_gofakes3 ;;
    oauth2-proxy) build_oauth2_proxy ;;
    crane) build_crane ;;
    cyclonedx-gomod) build_cyclonedx_gomod ;;
    otelcol-ordertracing-sbom) build_collector_sbom ;;
    imagebuild) build_imagebuild ;;
    initcopy) build_initcopy ;;
    kubernetes | kube-apiserver | kube-controller-manager) build_kubernetes ;;
    kubernetes-node | kubelet | kube-scheduler | kube-proxy) build_kubernetes_node ;;
    pause) build_pause ;;
    coredns) build_coredns ;;
    *)
      log "unknown tool '$tool'; known: ${all_tools[*]}"
      exit 2
      ;;
  esac
done
for pid in "${background[@]}"; do wait "$pid"; done
