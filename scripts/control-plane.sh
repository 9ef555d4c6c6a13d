#!/usr/bin/env bash
# A minimal local Kubernetes control plane for the integration tests, on loopback only:
# etcd, kube-apiserver and a kube-controller-manager that runs only the controllers an API-only
# cluster needs to finish deletions (garbage collector, namespace). There is no scheduler and no
# kubelet: objects are stored and validated, no pod ever runs.
#
#   scripts/control-plane.sh start [DIR]   start it; prints DIR/kubeconfig (context "order-tracing-test")
#   scripts/control-plane.sh stop [DIR]    stop what start started in DIR and delete DIR
#
# CONTROL_PLANE_CONTROLLERS (comma-separated kube-controller-manager controller names) replaces the
# two controllers above: scripts/cluster.sh runs the ones a cluster with a node needs.
# CONTROL_PLANE_APISERVER_SANS (comma-separated subjectAltName entries, e.g. IP:10.244.0.1) adds
# names to the API server's certificate: scripts/cluster.sh relays the API server to its pods there.
#
# DIR (default .control-plane/ in the repo, ignored by git) holds the certificates, the etcd data,
# the logs, the pid files and the kubeconfig. Every port is a free loopback port picked at start.
set -euo pipefail

repo_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$repo_dir/.tools/bin"
# The context and user the kubeconfig names; the user is in system:masters.
readonly CONTEXT=order-tracing-test
readonly ADMIN_USER=order-tracing-test-admin
# Certificates live as long as a test run needs, not longer.
readonly CERT_DAYS=2
# Service cluster IPs: only allocated here (no proxy, no pods); scripts/cluster.sh's kube-proxy
# routes them. The first one is the `kubernetes` Service's, which in-cluster clients dial.
readonly SERVICE_CLUSTER_IP_RANGE=10.96.0.0/24
readonly KUBERNETES_SERVICE_IP=10.96.0.1
readonly START_TIMEOUT_SECONDS=90
readonly STOP_TIMEOUT_SECONDS=20
# Stopped in reverse order of start.
readonly COMPONENTS=(etcd kube-apiserver kube-controller-manager)

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# free_ports N: N distinct free TCP ports on 127.0.0.1, chosen by the kernel.
free_ports() {
  node -e '
    const net = require("node:net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", () => ok(s.address().port)))))
      .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
  ' "$1"
}

# issue NAME SUBJECT [EXTENSIONS]: an ECDSA key and a certificate signed by the test CA.
issue() {
  local name=$1 subject=$2 extensions=${3:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days "$CERT_DAYS" -out "$pki/$name.crt" -extfile <(printf '%s\n' "$extensions") 2>/dev/null
  rm -f "$pki/$name.csr"
}

make_pki() {
  mkdir -p "$pki" && chmod 700 "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days "$CERT_DAYS" \
    -subj "/CN=order-tracing-test-ca" -keyout "$pki/ca.key" -out "$pki/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  issue apiserver "/CN=kube-apiserver" "$(
    printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,IP:$KUBERNETES_SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local${CONTROL_PLANE_APISERVER_SANS:+,$CONTROL_PLANE_APISERVER_SANS}"
  )"
  local client
  client=$(printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth")
  # system:masters is bound to cluster-admin: the tests act as a cluster administrator would.
  issue admin "/O=system:masters/CN=$ADMIN_USER" "$client"
  issue controller-manager "/CN=system:kube-controller-manager" "$client"
  # The API server's identity towards kubelets (logs, exec, port-forward) when a node joins.
  issue apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  # The key pair that signs and verifies service-account tokens.
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/service-account.key" 2>/dev/null
  openssl pkey -in "$pki/service-account.key" -pubout -out "$pki/service-account.pub"
}

# kubeconfig FILE USER CERT_NAME: a kubeconfig with embedded certificates for the API server.
kubeconfig() {
  local file=$1 user=$2 cert=$3
  local b64="base64 -w0"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $CONTEXT
    cluster:
      server: https://127.0.0.1:$apiserver_port
      certificate-authority-data: $($b64 "$pki/ca.crt")
users:
  - name: $user
    user:
      client-certificate-data: $($b64 "$pki/$cert.crt")
      client-key-data: $($b64 "$pki/$cert.key")
contexts:
  - name: $CONTEXT
    context:
      cluster: $CONTEXT
      user: $user
current-context: $CONTEXT
EOF
  chmod 600 "$file"
}

# launch NAME COMMAND...: runs COMMAND in the background, logging to DIR/NAME.log, pid in DIR/NAME.pid.
launch() {
  local name=$1
  shift
  "$@" </dev/null >"$dir/$name.log" 2>&1 &
  echo $! >"$dir/$name.pid"
}

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

# await NAME PROBE...: waits until PROBE succeeds, failing early (with the log) if NAME exits.
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

apiserver_get() {
  curl --silent --fail --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$apiserver_port$1"
}

# The controller manager is healthy once its garbage collector has synced with discovery: only then
# does a foreground deletion (the kubernetes provider's default) finish.
controllers_ready() {
  grep -q "Garbage collector: all resource monitors have synced" "$dir/kube-controller-manager.log"
}

start() {
  [ ! -e "$dir/kubeconfig" ] || die "already started in $dir (run: $0 stop $dir)"
  local component
  for component in "${COMPONENTS[@]}"; do
    [ -x "$bin_dir/$component" ] || command -v "$component" >/dev/null ||
      die "$component not found: run 'bash tools/build.sh kubernetes' (etcd: 'apt-get install etcd-server')"
  done
  mkdir -p "$dir"
  pki="$dir/pki"
  make_pki
  local ports etcd_client_port etcd_peer_port
  ports=$(free_ports 3)
  read -r etcd_client_port etcd_peer_port apiserver_port <<<"$ports"
  echo "$apiserver_port" >"$dir/apiserver.port"
  local etcd_url="http://127.0.0.1:$etcd_client_port" peer_url="http://127.0.0.1:$etcd_peer_port"

  # etcd on loopback only, plain HTTP: only the API server on this machine talks to it.
  launch etcd "$(tool etcd)" --name control-plane --data-dir "$dir/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "control-plane=$peer_url" --initial-cluster-state new
  await etcd curl --silent --fail --max-time 2 "$etcd_url/health"

  # As kubeadm runs it: privileged containers allowed (Pod Security admission decides per namespace),
  # no endpoint reconciler (nothing serves the kubernetes Service: there is no node network).
  launch kube-apiserver "$(tool kube-apiserver)" \
    --etcd-servers "$etcd_url" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver_port" \
    --cert-dir "$dir/apiserver" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/service-account.pub" \
    --service-account-signing-key-file "$pki/service-account.key" \
    --service-cluster-ip-range "$SERVICE_CLUSTER_IP_RANGE" \
    --endpoint-reconciler-type none \
    --allow-privileged=true \
    --profiling=false
  await kube-apiserver apiserver_get /readyz

  kubeconfig "$dir/kubeconfig" "$ADMIN_USER" admin
  kubeconfig "$dir/controller-manager.kubeconfig" system:kube-controller-manager controller-manager
  # Only what an API-only cluster needs to finish deletions: the garbage collector removes the
  # foregroundDeletion finalizer the provider's deletes add, the namespace controller empties and
  # removes deleted namespaces. Serving is off (--secure-port 0): nothing listens.
  launch kube-controller-manager "$(tool kube-controller-manager)" \
    --kubeconfig "$dir/controller-manager.kubeconfig" \
    --controllers "${CONTROL_PLANE_CONTROLLERS:-garbage-collector-controller,namespace-controller}" \
    --root-ca-file "$pki/ca.crt" \
    --leader-elect=false --secure-port 0 --use-service-account-credentials=true \
    --v 2
  await kube-controller-manager controllers_ready
  log "ready: https://127.0.0.1:$apiserver_port (kubeconfig $dir/kubeconfig, context $CONTEXT)"
  echo "$dir/kubeconfig"
}

# tool NAME: the project's build of NAME in .tools/bin, else the one on PATH (etcd from Debian).
tool() {
  if [ -x "$bin_dir/$1" ]; then echo "$bin_dir/$1"; else command -v "$1"; fi
}

stop() {
  [ -d "$dir" ] || return 0
  local i component pid deadline
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    component=${COMPONENTS[i]}
    [ -f "$dir/$component.pid" ] || continue
    pid=$(cat "$dir/$component.pid")
    if kill -TERM "$pid" 2>/dev/null; then
      deadline=$((SECONDS + STOP_TIMEOUT_SECONDS))
      while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$component.pid"
  done
  rm -rf "$dir"
}

command=${1:-}
dir=$(realpath -m "${2:-$repo_dir/.control-plane}")
case "$command" in
  start)
    # A failed start leaves nothing running.
    trap 'status=$?; [ $status -eq 0 ] || stop; exit $status' EXIT
    start
    ;;
  stop) stop ;;
  *)
    echo "usage: $0 start|stop [DIR]" >&2
    exit 2
    ;;
esac
