#!/usr/bin/env bash
# Debian packages the tests and the local sandbox need, installed only when missing:
#   rabbitmq-server  the broker of the order path (sandbox/rabbitmq.ts runs private instances of it
#                    on loopback; the package's own system service is never started).
#   etcd-server      the store of the local Kubernetes control plane (scripts/control-plane.sh runs
#                    a private etcd on loopback per test; the package's own service is never started).
#   prometheus       promtool (tests the alerting rules) and a private Prometheus that scrapes
#                    `order-tracing report --serve` in cli/report/sandbox.integration.test.ts; the
#                    package's own system service is never started.
#   openjdk-17-jdk-headless, maven
#                    build and run the reference MES on the JVM (scripts/build-mes-jvm.sh).
#   chromium         the headless browser of the report page's test (cli/report/page.integration.test.ts,
#                    driven by playwright-core through test/support/chromium.ts; no browser download).
#   containerd, runc, containernetworking-plugins, iptables, nftables, conntrack, docker-registry,
#   busybox-static, socat
#                    the single-node cluster of scripts/cluster.sh (kubelet runtime, CNI bridge,
#                    kube-proxy's rules and their clean-up, the image registry on loopback, a probe
#                    image and DNS queries from the host, the relay of the API server to the pods);
#                    their services are never started: cluster.sh runs private instances.
set -euo pipefail

missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
[ -x /usr/bin/etcd ] || missing+=(etcd-server)
{ [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; } || missing+=(prometheus)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
[ -x /usr/bin/skopeo ] || missing+=(skopeo)
[ -x /usr/sbin/runc ] || missing+=(runc)
[ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/containerd ] || missing+=(containerd)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
[ -x /usr/sbin/iptables ] || missing+=(iptables)
[ -x /usr/sbin/nft ] || missing+=(nftables)
[ -x /usr/sbin/conntrack ] || missing+=(conntrack)
[ -x /usr/bin/socat ] || missing+=(socat)
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || missing+=(busybox-static)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "[system-deps] missing Debian packages: ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "[system-deps] installing ${missing[*]}"
# Keep the packages' maintainer scripts from starting a system-wide broker (0.0.0.0:5672), etcd,
# Prometheus (0.0.0.0:9090), containerd or registry.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=true
fi
trap 'if [ "$own_policy" = true ]; then rm -f "$policy"; fi' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
