#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the integration tests:
# scripts/control-plane.sh's etcd, kube-apiserver and kube-controller-manager (with the controllers
# a cluster with a node needs), a kube-scheduler, a kubelet on a private containerd + runc (cgroupfs
# driver), a CNI bridge on a subnet of its own, kube-proxy (iptables mode) with the service subnet
# routed onto the bridge, CoreDNS as the kube-dns pod, the API server relayed to the pods (the
# `kubernetes` Service), and an image registry on loopback that containerd pulls from through
# hosts.toml mirrors: an image named registry.k8s.io/…, docker.io/… or quay.io/…
# resolves to the same path in that registry (nothing is pulled from the internet).
#
#   scripts/cluster.sh start [DIR]   start it; prints DIR/kubeconfig (context "order-tracing-test")
#   scripts/cluster.sh stop [DIR]    stop it, restore what the kubelet changed on the machine, delete DIR
#   scripts/cluster.sh state         print the machine state that stop restores (for the tests' diff)
#
# DIR (default .cluster/ in the repo, ignored by git) holds everything start makes; DIR/registry.port
# is the registry's loopback port. One cluster per machine (the kubelet's cgroups and iptables chains
# are machine-wide): a second start fails and names the running one. Root only.
#
# What the kubelet changes outside DIR, and stop puts back (see docs/cluster.md): kernel sysctls
# (recorded at start, written back at stop), iptables KUBE-* chains (IPv4 and IPv6), the /kubepods
# cgroups of every hierarchy, the pods' network namespaces, mounts under DIR, the bridge (and the
# service subnet's route on it), the API server relay, and stray
# paths (/var/lib/kubelet, /var/lib/cni, /run/containerd, /var/log/containers, /var/log/pods) that
# did not exist before start.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo_dir/.tools/bin"
source "$repo_dir/tools/versions.env"

readonly CONTROLLERS=garbage-collector-controller,namespace-controller,resourcequota-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,deployment-controller,replicaset-controller,statefulset-controller,daemonset-controller,job-controller,cronjob-controller,ttl-after-finished-controller,endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller,pod-garbage-collector-controller,node-lifecycle-controller,taint-eviction-controller,disruption-controller,clusterrole-aggregation-controller
# The pods' network: a bridge the CNI bridge plugin creates on first use (gateway .1), no masquerade.
readonly BRIDGE=ot-cluster0
readonly POD_SUBNET=10.244.0.0/24
readonly CNI_NETWORK=order-tracing-pods
readonly GATEWAY=${POD_SUBNET%.*}.1
# Service cluster IPs (scripts/control-plane.sh's range), routed onto the bridge so that the host
# reaches them too; kube-proxy's rules translate them to pods.
readonly SERVICE_SUBNET=10.96.0.0/24
# CoreDNS (tools/coredns) as the kube-dns Service at the kubelet's clusterDNS address.
readonly CLUSTER_DOMAIN=cluster.local
readonly DNS_SERVICE_IP=10.96.0.10
readonly COREDNS_IMAGE=registry.k8s.io/coredns/coredns:v$COREDNS_VERSION
# The pause image containerd's pod sandboxes run (tools/pause), under the name the kubelet expects.
readonly PAUSE_IMAGE=registry.k8s.io/pause:3.10
# Debian's static busybox as an image (a shell, wget, nc, nslookup for probes and test clients).
readonly BUSYBOX_IMAGE=docker.io/library/busybox:1.35
# The registries whose image names resolve to the local registry; registry.example.internal is the
# one the teams' manifests name (test/control-plane/team-deployments.ts).
readonly MIRRORED_REGISTRIES=(registry.k8s.io docker.io quay.io ghcr.io registry.example.internal)
# Sysctls the kubelet (protectKernelDefaults: false), the bridge plugin and kube-proxy may write.
readonly SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait)
# Paths outside DIR that the kubelet, containerd or the CNI plugins create: removed at stop unless
# they existed before start.
readonly STRAY_PATHS=(/var/lib/kubelet /var/lib/cni /run/containerd /var/log/containers /var/log/pods
  /opt/containerd /etc/cni /run/netns)
# The machine-wide claim on the node (cgroups, iptables, sysctls are shared by every cluster).
readonly LOCK=/run/order-tracing-cluster
readonly START_TIMEOUT_SECONDS=120
readonly STOP_TIMEOUT_SECONDS=60
readonly NODE_NAME=$(hostname)

log() { printf '[cluster] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
  ' "$1"
}

launch() {
  local name=$1
  shift
  "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}
running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }
await() {
  local name=$1 deadline=$((SECONDS + START_TIMEOUT_SECONDS))
  shift
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      tail -30 "$dir/$name.log" >&2
      die "$name exited during start-up (log: $dir/$name.log)"
    fi
    [ $SECONDS -lt $deadline ] || die "$name not ready after ${START_TIMEOUT_SECONDS}s (log: $dir/$name.log)"
    sleep 0.5
  done
}
terminate() {
  local name=$1 pid deadline
  [ -f "$dir/$name.pid" ] || return 0
  pid=$(cat "$dir/$name.pid")
  if kill -TERM "$pid" 2>/dev/null; then
    deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dir/$name.pid"
}

tool() {
  [ -x "$bin_dir/$1" ] || die "$1 not found in .tools/bin: run 'bash tools/build.sh $2'"
  echo "$bin_dir/$1"
}

kubectl_() { kubectl --kubeconfig "$dir/kubeconfig" "$@"; }
ctr_() { ctr --address "$dir/containerd/containerd.sock" --namespace k8s.io "$@"; }

# issue NAME SUBJECT [SAN]: a client (or, with SAN, serving) certificate from the control plane's CA.
issue() {
  local name=$1 subject=$2 san=${3:-} pki="$dir/control-plane/pki"
  local ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
  [ -z "$san" ] || ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
    -keyout "$dir/pki/$name.key" -out "$dir/pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 2 -out "$dir/pki/$name.crt" -extfile <(printf '%s\n' "$ext") 2>/dev/null
  rm -f "$dir/pki/$name.csr"
}

# client_kubeconfig FILE USER CERT: the admin kubeconfig with another client certificate.
client_kubeconfig() {
  local file=$1 user=$2 cert=$3
  kubectl config view --kubeconfig "$dir/kubeconfig" --raw --minify -o json | node -e '
    const [user, crt, key] = process.argv.slice(1);
    const fs = require("node:fs");
    const config = JSON.parse(fs.readFileSync(0, "utf8"));
    config.users = [{ name: user, user: {
      "client-certificate-data": fs.readFileSync(crt).toString("base64"),
      "client-key-data": fs.readFileSync(key).toString("base64") } }];
    config.contexts[0].context.user = user;
    process.stdout.write(JSON.stringify(config, null, 2));
  ' "$user" "$dir/pki/$cert.crt" "$dir/pki/$cert.key" >"$file"
  chmod 600 "$file"
}

# --- machine state --------------------------------------------------------------------------------

# state: what stop restores, as comparable text (the tests diff it before start and after stop).
state() {
  echo "## sysctls"
  local key
  for key in "${SYSCTLS[@]}"; do printf '%s = %s\n' "$key" "$(sysctl -n "$key" 2>/dev/null || echo absent)"; done
  echo "## iptables"
  local save
  for save in iptables-save ip6tables-save; do
    command -v "$save" >/dev/null || continue
    "$save" 2>/dev/null | { grep -v '^#' || true; } | sed -E 's/\[[0-9]+:[0-9]+\]/[counters]/'
  done
  echo "## routes"
  ip -4 route show table all | sort
  ip -6 route show table all | sort
  echo "## links"
  ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
  echo "## network namespaces"
  ip netns list 2>/dev/null | sort
  echo "## mounts"
  awk '{print $5}' /proc/self/mountinfo | { grep -vE '^/proc/' || true; } | sort
  echo "## cgroups"
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -type d \( -name kubepods -o -name k8s.io -o -name kubepods.slice \) | sort
  echo "## paths"
  local path
  for path in "${STRAY_PATHS[@]}"; do [ ! -e "$path" ] || echo "$path"; done
  echo "## processes"
  local process
  # (The registry is not listed: other tests run their own docker-registry; stop ends ours by pid.)
  for process in kubelet kube-scheduler kube-proxy containerd containerd-shim pause coredns; do
    pgrep -x "$process" >/dev/null && echo "$process" || true
  done
  ! pgrep -f "^socat TCP-LISTEN:[0-9]+,bind=$GATEWAY," >/dev/null || echo "API server relay (socat on $GATEWAY)"
}

record_machine() {
  mkdir -p "$dir/before"
  local key path
  for key in "${SYSCTLS[@]}"; do
    sysctl -n "$key" >"$dir/before/sysctl.$key" 2>/dev/null || rm -f "$dir/before/sysctl.$key"
  done
  for path in "${STRAY_PATHS[@]}"; do
    [ ! -e "$path" ] || echo "$path" >>"$dir/before/paths"
  done
  touch "$dir/before/paths"
  ip netns list 2>/dev/null | awk '{print $1}' | sort >"$dir/before/netns"
  nft list tables 2>/dev/null | sort >"$dir/before/nft-tables" || true
}

# --- start ----------------------------------------------------------------------------------------

claim_node() {
  if ! mkdir "$LOCK" 2>/dev/null; then
    local owner
    owner=$(cat "$LOCK/dir" 2>/dev/null || true)
    if [ -n "$owner" ] && [ -d "$owner" ]; then
      die "a cluster already runs on this machine (in $owner): stop it first ($0 stop $owner)"
    fi
    log "taking over the stale claim of $owner"
    rm -rf "$LOCK" && mkdir "$LOCK"
  fi
  echo "$dir" >"$LOCK/dir"
}

check_prerequisites() {
  [ "$(id -u)" -eq 0 ] || die "the kubelet and containerd need root"
  local binary
  for binary in containerd containerd-shim-runc-v2 runc ctr docker-registry iptables conntrack socat busybox /usr/lib/cni/bridge kubectl; do
    command -v "$binary" >/dev/null ||
      die "$binary not found: run 'bash scripts/install-system-deps.sh' (Debian containerd, runc, containernetworking-plugins, docker-registry, iptables, conntrack, socat, busybox-static)"
  done
  local subnet
  for subnet in "$POD_SUBNET" "$SERVICE_SUBNET"; do
    if ip -o route show | grep -q "^${subnet%/*}"; then
      die "the subnet $subnet is already routed on this machine ($(ip -o route show | grep "^${subnet%/*}"))"
    fi
  done
  ! ip link show "$BRIDGE" >/dev/null 2>&1 || die "the bridge $BRIDGE already exists: a cluster runs or one was not stopped"
}

start_registry() {
  mkdir -p "$dir/registry/data"
  cat >"$dir/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/registry/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$registry_port
EOF
  echo "$registry_port" >"$dir/registry.port"
  launch registry docker-registry serve "$dir/registry/config.yml"
  await registry curl --silent --fail --max-time 2 "http://127.0.0.1:$registry_port/v2/"
}

# The pause image: tools/pause as /pause in one layer, pushed under PAUSE_IMAGE's path.
push_pause_image() {
  local crane pause layer="$dir/images/pause"
  crane=$(tool crane crane)
  pause=$(tool pause pause)
  mkdir -p "$layer/root"
  cp "$pause" "$layer/root/pause"
  tar --create --file "$layer/layer.tar" --directory "$layer/root" --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name pause
  local ref="127.0.0.1:$registry_port/${PAUSE_IMAGE#*/}"
  "$crane" append --insecure --oci-empty-base -f "$layer/layer.tar" -t "$ref" >/dev/null
  "$crane" mutate --insecure "$ref" --entrypoint /pause --user 65535:65535 --set-platform linux/amd64 -t "$ref" >/dev/null
}

# Debian's static busybox (busybox-static) as /bin/busybox with its applet links.
push_busybox_image() {
  local crane layer="$dir/images/busybox" applet
  crane=$(tool crane crane)
  dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
    die "/bin/busybox is not Debian's static busybox: run 'bash scripts/install-system-deps.sh'"
  mkdir -p "$layer/root/bin" "$layer/root/tmp"
  cp /bin/busybox "$layer/root/bin/busybox"
  for applet in sh wget nc nslookup httpd cat sleep ls echo mkdir hostname; do ln -sf busybox "$layer/root/bin/$applet"; done
  tar --create --file "$layer/layer.tar" --directory "$layer/root" --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name bin tmp
  local ref="127.0.0.1:$registry_port/${BUSYBOX_IMAGE#*/}"
  "$crane" append --insecure --oci-empty-base -f "$layer/layer.tar" -t "$ref" >/dev/null
  "$crane" mutate --insecure "$ref" --cmd /bin/sh --env PATH=/bin --set-platform linux/amd64 -t "$ref" >/dev/null
}

# CoreDNS (tools/coredns) as /coredns in one layer, pushed under COREDNS_IMAGE's path.
push_coredns_image() {
  local crane coredns layer="$dir/images/coredns"
  crane=$(tool crane crane)
  coredns=$(tool coredns coredns)
  mkdir -p "$layer/root"
  cp "$coredns" "$layer/root/coredns"
  tar --create --file "$layer/layer.tar" --directory "$layer/root" --mtime=@0 --owner=0 --group=0 --numeric-owner --sort=name coredns
  local ref="127.0.0.1:$registry_port/${COREDNS_IMAGE#*/}"
  "$crane" append --insecure --oci-empty-base -f "$layer/layer.tar" -t "$ref" >/dev/null
  "$crane" mutate --insecure "$ref" --entrypoint /coredns --set-platform linux/amd64 -t "$ref" >/dev/null
}

# The bridge exists before the first pod (the CNI bridge plugin adopts it), so that the service
# subnet can be routed onto it and the API server relay can listen on its gateway address.
create_bridge() {
  ip link add "$BRIDGE" type bridge
  ip addr add "$GATEWAY/${POD_SUBNET#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  ip route add "$SERVICE_SUBNET" dev "$BRIDGE" src "$GATEWAY"
}

# The `kubernetes` Service for pods: the API server listens on loopback only, so a relay on the
# bridge's gateway forwards to it (its certificate names the gateway and the Service's address), and
# the Service's endpoints name the relay (the control plane runs no endpoint reconciler).
start_apiserver_relay() {
  local port
  port=$(cat "$dir/control-plane/apiserver.port")
  launch apiserver-relay socat "TCP-LISTEN:$port,bind=$GATEWAY,reuseaddr,fork" "TCP:127.0.0.1:$port"
  await apiserver-relay curl --silent --fail --max-time 2 --cacert "$dir/control-plane/pki/ca.crt" \
    "https://$GATEWAY:$port/readyz"
  kubectl_ apply --server-side --field-manager order-tracing-cluster -f - >/dev/null <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kubernetes
  namespace: default
  labels:
    kubernetes.io/service-name: kubernetes
    endpointslice.kubernetes.io/managed-by: order-tracing-cluster
addressType: IPv4
endpoints:
  - addresses: ["$GATEWAY"]
    conditions: { ready: true }
ports:
  - name: https
    protocol: TCP
    port: $port
EOF
}

start_containerd() {
  local c="$dir/containerd" registry
  mkdir -p "$c/root" "$c/state" "$c/opt" "$c/certs.d" "$dir/cni/conf" "$dir/cni/networks" "$dir/runc"
  for registry in "${MIRRORED_REGISTRIES[@]}"; do
    mkdir -p "$c/certs.d/$registry"
    cat >"$c/certs.d/$registry/hosts.toml" <<EOF
server = "https://$registry"

[host."http://127.0.0.1:$registry_port"]
  capabilities = ["pull", "resolve"]
EOF
  done
  # The registry by its own loopback address (the references `npm run images -- --push` prints), over HTTP.
  mkdir -p "$c/certs.d/127.0.0.1:$registry_port"
  cat >"$c/certs.d/127.0.0.1:$registry_port/hosts.toml" <<EOF
server = "http://127.0.0.1:$registry_port"
EOF
  cat >"$c/config.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"

[grpc]
  address = "$c/containerd.sock"

[ttrpc]
  address = "$c/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This VM lacks CAP_SYS_RESOURCE: without it every sandbox fails in runc create.
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$dir/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/conf"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$c/certs.d"
EOF
  cat >"$dir/cni/conf/10-$CNI_NETWORK.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$CNI_NETWORK",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$dir/cni/networks",
        "ranges": [[{ "subnet": "$POD_SUBNET" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF
  launch containerd containerd --config "$c/config.toml"
  await containerd ctr --address "$c/containerd.sock" version
}

start_scheduler() {
  issue kube-scheduler "/CN=system:kube-scheduler"
  client_kubeconfig "$dir/kube-scheduler.kubeconfig" system:kube-scheduler kube-scheduler
  launch kube-scheduler "$(tool kube-scheduler kubernetes-node)" \
    --kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "$dir/kube-scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "$scheduler_port" --v 1
}

start_kubelet() {
  local k="$dir/kubelet"
  mkdir -p "$k/root" "$k/certs" "$k/pod-logs" "$k/volume-plugins"
  issue kubelet "/O=system:nodes/CN=system:node:$NODE_NAME"
  issue kubelet-serving "/CN=$NODE_NAME" "DNS:$NODE_NAME,IP:127.0.0.1"
  client_kubeconfig "$k/kubeconfig" "system:node:$NODE_NAME" kubelet
  # The API server authorizes with RBAC only (no Node authorizer): grant the nodes group its role.
  kubectl_ create clusterrolebinding order-tracing-nodes --clusterrole system:node --group system:nodes >/dev/null
  cat >"$k/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
tlsCertFile: $dir/pki/kubelet-serving.crt
tlsPrivateKeyFile: $dir/pki/kubelet-serving.key
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: false
  x509:
    clientCAFile: $dir/control-plane/pki/ca.crt
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
imageServiceEndpoint: unix://$dir/containerd/containerd.sock
podLogsDir: $k/pod-logs
volumePluginDir: $k/volume-plugins
resolvConf: /etc/resolv.conf
clusterDNS: ["$DNS_SERVICE_IP"]
clusterDomain: $CLUSTER_DOMAIN
serializeImagePulls: false
registerNode: true
maxPods: 60
evictionHard:
  memory.available: 100Mi
  nodefs.available: 5%
  imagefs.available: 5%
imageGCHighThresholdPercent: 95
imageGCLowThresholdPercent: 90
EOF
  launch kubelet "$(tool kubelet kubernetes-node)" \
    --config "$k/config.yaml" --kubeconfig "$k/kubeconfig" \
    --root-dir "$k/root" --cert-dir "$k/certs" --hostname-override "$NODE_NAME" --v 1
  await kubelet node_ready
}

# kube-proxy in iptables mode. When the machine passes bridged traffic through iptables
# (net.bridge.bridge-nf-call-iptables = 1, left as it is), a pod's reply to another pod that reached
# it through a Service is un-DNATed on the bridge, so Service traffic between pods keeps the pods'
# own addresses (what the collector's k8sattributes associates spans by); otherwise every Service
# connection is masqueraded (masqueradeAll), so that the reply goes through the host, where conntrack
# undoes the DNAT. NodePorts only on the bridge's gateway address, never on loopback or eth0; the
# machine's conntrack limits and timeouts are left as they are.
start_kube_proxy() {
  local masquerade_all=true
  [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" != 1 ] || masquerade_all=false
  issue kube-proxy "/CN=system:kube-proxy"
  client_kubeconfig "$dir/kube-proxy.kubeconfig" system:kube-proxy kube-proxy
  kubectl_ create clusterrolebinding order-tracing-kube-proxy --clusterrole system:node-proxier --user system:kube-proxy >/dev/null
  cat >"$dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $dir/kube-proxy.kubeconfig
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_SUBNET
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:$proxy_healthz_port
metricsBindAddress: 127.0.0.1:$proxy_metrics_port
nodePortAddresses: ["${POD_SUBNET%.*}.1/32"]
iptables:
  masqueradeAll: $masquerade_all
  localhostNodePorts: false
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
  launch kube-proxy "$(tool kube-proxy kubernetes-node)" --config "$dir/kube-proxy.yaml" --v 1
  await kube-proxy curl --silent --fail --max-time 2 "http://127.0.0.1:$proxy_healthz_port/healthz"
}

# CoreDNS as upstream's kube-dns Deployment (trimmed): cluster.local from the API server through the
# `kubernetes` Service; no forward plugin (nothing outside the machine is resolved or reached).
start_coredns() {
  kubectl_ apply --server-side --field-manager order-tracing-cluster -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: { name: coredns, namespace: kube-system }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: ServiceAccount, name: coredns, namespace: kube-system }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: coredns, namespace: kube-system }
data:
  Corefile: |
    .:53 {
        errors
        health :8080
        ready :8181
        kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
        }
        cache 30
        reload
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: { k8s-app: kube-dns }
spec:
  replicas: 1
  selector: { matchLabels: { k8s-app: kube-dns } }
  template:
    metadata: { labels: { k8s-app: kube-dns } }
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
        - name: coredns
          image: $COREDNS_IMAGE
          args: [-conf, /etc/coredns/Corefile]
          ports:
            - { name: dns, containerPort: 53, protocol: UDP }
            - { name: dns-tcp, containerPort: 53, protocol: TCP }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { add: [NET_BIND_SERVICE], drop: [ALL] }
          livenessProbe:
            httpGet: { path: /health, port: 8080 }
            initialDelaySeconds: 5
          readinessProbe:
            httpGet: { path: /ready, port: 8181 }
            periodSeconds: 1
          volumeMounts: [{ name: config, mountPath: /etc/coredns, readOnly: true }]
      volumes:
        - name: config
          configMap: { name: coredns, items: [{ key: Corefile, path: Corefile }] }
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: { k8s-app: kube-dns, kubernetes.io/name: CoreDNS }
spec:
  selector: { k8s-app: kube-dns }
  clusterIP: $DNS_SERVICE_IP
  ports:
    - { name: dns, port: 53, protocol: UDP }
    - { name: dns-tcp, port: 53, protocol: TCP }
EOF
  await kubelet coredns_ready
}
# Ready, and the kube-dns Service answers from the host (kube-proxy's rules, the routed subnet) with
# the `kubernetes` Service's address (CoreDNS reached the API server through it).
coredns_ready() {
  [ "$(kubectl_ -n kube-system get deployment coredns -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = 1 ] &&
    busybox nslookup "kubernetes.default.svc.$CLUSTER_DOMAIN" "$DNS_SERVICE_IP" 2>/dev/null | grep -q "Address: 10.96.0.1$"
}

node_ready() {
  [ "$(kubectl_ get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

start() {
  [ ! -e "$dir/kubeconfig" ] || die "already started in $dir (run: $0 stop $dir)"
  check_prerequisites
  mkdir -p "$dir/pki"
  claim_node
  record_machine
  local ports
  ports=$(free_ports 6)
  read -r registry_port scheduler_port kubelet_port kubelet_healthz_port proxy_healthz_port proxy_metrics_port <<<"$ports"
  start_registry
  push_pause_image
  push_busybox_image
  push_coredns_image
  create_bridge
  CONTROL_PLANE_CONTROLLERS=$CONTROLLERS CONTROL_PLANE_APISERVER_SANS="IP:$GATEWAY" bash "$repo_dir/scripts/control-plane.sh" start "$dir/control-plane" >/dev/null
  cp "$dir/control-plane/kubeconfig" "$dir/kubeconfig"
  start_apiserver_relay
  start_scheduler
  start_containerd
  start_kubelet
  start_kube_proxy
  start_coredns
  log "ready: node $NODE_NAME, pods on $BRIDGE ($POD_SUBNET), services $SERVICE_SUBNET, DNS $DNS_SERVICE_IP, registry 127.0.0.1:$registry_port (kubeconfig $dir/kubeconfig)"
  echo "$dir/kubeconfig"
}

# --- stop -----------------------------------------------------------------------------------------

# Pods first, while the kubelet still runs: it tears down their containers, mounts and networks.
remove_pods() {
  running kubelet && [ -f "$dir/kubeconfig" ] || return 0
  # Nothing may recreate them: controllers and scheduler go first.
  terminate kube-scheduler
  local cm_pid="$dir/control-plane/kube-controller-manager.pid"
  if [ -f "$cm_pid" ]; then kill -TERM "$(cat "$cm_pid")" 2>/dev/null || true; fi
  kubectl_ delete pods --all-namespaces --all --grace-period 5 --wait=false >/dev/null 2>&1 || true
  # The kubelet stops each pod's containers and sandbox (network torn down by the CNI plugin); the
  # stopped containers themselves wait for its garbage collection, so only running tasks count.
  local deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
  while [ -n "$(running_tasks)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
  [ -z "$(running_tasks)" ] || log "tasks still running after ${STOP_TIMEOUT_SECONDS}s: removing them by force"
}
running_tasks() { ctr_ tasks list 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING" {print $1}'; }

# What the kubelet could not tear down (a failed start, a timeout): tasks, containers, sandboxes.
force_remove_containers() {
  [ -S "$dir/containerd/containerd.sock" ] && running containerd || return 0
  local id
  for id in $(ctr_ tasks list --quiet 2>/dev/null); do ctr_ tasks kill --signal SIGKILL "$id" >/dev/null 2>&1 || true; done
  sleep 0.5
  for id in $(ctr_ tasks list --quiet 2>/dev/null); do ctr_ tasks delete --force "$id" >/dev/null 2>&1 || true; done
  for id in $(ctr_ containers list --quiet 2>/dev/null); do ctr_ containers delete "$id" >/dev/null 2>&1 || true; done
}

unmount_under() {
  local root=$1 target
  # Deepest first.
  awk '{print $5}' /proc/self/mountinfo | { grep -E "^$root(/|$)" || true; } | sort -r | while read -r target; do
    umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || log "could not unmount $target"
  done
}

remove_netns() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    grep -qx "$ns" "$dir/before/netns" 2>/dev/null && continue
    case "$ns" in cni-*) ip netns delete "$ns" 2>/dev/null || log "could not delete network namespace $ns" ;; esac
  done
}

# iptables: every KUBE-* chain and every rule that jumps to one, in every table, IPv4 and IPv6.
remove_iptables() {
  local family table chain rule
  for family in iptables ip6tables; do
    command -v "$family" >/dev/null || continue
    for table in filter nat mangle raw; do
      "$family" -t "$table" -S 2>/dev/null | { grep -E '^-A .* -j KUBE-' || true; } | while read -r rule; do
        # -S quotes comments as a shell would: eval keeps "kubernetes service portals" one word.
        eval "$family -t $table -D ${rule#-A }" 2>/dev/null || log "could not delete $family $table rule: $rule"
      done
      for chain in $("$family" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        "$family" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$family" -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do
        "$family" -t "$table" -X "$chain" 2>/dev/null || log "could not delete $family $table chain $chain"
      done
    done
  done
  # iptables-nft created the nftables tables it needed: delete those that did not exist before start
  # and are now empty (built-in chains without a rule; a table someone else filled stays).
  command -v nft >/dev/null && [ -f "$dir/before/nft-tables" ] || return 0
  local line content
  nft list tables 2>/dev/null | sort | while read -r line; do
    grep -qxF "$line" "$dir/before/nft-tables" && continue
    table=${line#table }
    # shellcheck disable=SC2086
    content=$(nft list table $table 2>/dev/null | { grep -vE '^\s*(table |chain |type |}|$)' || true; })
    # shellcheck disable=SC2086
    [ -n "$content" ] || nft delete table $table 2>/dev/null || log "could not delete nftables table $table"
  done
}

restore_sysctls() {
  local file key
  for file in "$dir"/before/sysctl.*; do
    [ -f "$file" ] || continue
    key=${file##*/sysctl.}
    [ "$(sysctl -n "$key" 2>/dev/null)" = "$(cat "$file")" ] || sysctl -q -w "$key=$(cat "$file")" || log "could not restore $key"
  done
}

# The kubelet's cgroups, depth-first, in every hierarchy; nothing else.
remove_cgroups() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/k8s.io /sys/fs/cgroup/kubepods /sys/fs/cgroup/k8s.io; do
    [ -d "$root" ] || continue
    find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null || log "could not remove every cgroup under $root"
  done
}

remove_stray_paths() {
  local path
  for path in "${STRAY_PATHS[@]}"; do
    grep -qx "$path" "$dir/before/paths" 2>/dev/null && continue
    [ ! -e "$path" ] || { unmount_under "$path"; rm -rf "$path"; }
  done
}

stop() {
  [ -d "$dir" ] || return 0
  remove_pods
  force_remove_containers
  terminate kubelet
  terminate kube-proxy
  terminate kube-scheduler
  terminate apiserver-relay
  bash "$repo_dir/scripts/control-plane.sh" stop "$dir/control-plane"
  force_remove_containers
  terminate containerd
  # Shims outlive containerd: end those of this containerd only (their command line names its socket).
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $dir/containerd/containerd.sock" || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  terminate registry
  unmount_under "$dir"
  # The machine-wide part only by the cluster that claimed the node (a start refused because another
  # cluster runs must not take that one's network or rules down).
  if [ "$(cat "$LOCK/dir" 2>/dev/null)" = "$dir" ]; then
    remove_netns
    ip route delete "$SERVICE_SUBNET" dev "$BRIDGE" 2>/dev/null || true
    ip link delete "$BRIDGE" 2>/dev/null || true
    remove_iptables
    restore_sysctls
    remove_cgroups
    remove_stray_paths
    rm -rf "$LOCK"
  fi
  rm -rf "$dir"
}

command=${1:-}
dir=$(realpath -m "${2:-$repo_dir/.cluster}")
case "$command" in
  start)
    trap 'status=$?; [ $status -eq 0 ] || stop; exit $status' EXIT
    start
    ;;
  stop) stop ;;
  state) state ;;
  *)
    echo "usage: $0 start|stop [DIR] | state" >&2
    exit 2
    ;;
esac
