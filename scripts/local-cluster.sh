#!/usr/bin/env bash
# A local Kubernetes control plane on loopback, from the binaries built by
# scripts/toolchain.sh: etcd, kube-apiserver (TLS + RBAC), kube-controller-manager,
# kube-scheduler and kwok faking 3 Ready nodes (pods become Ready at once), and OpenShift's pod
# admission: the openshift-scc webhook (tools/openshift-scc, scripts/openshift-scc.sh) annotates each
# new namespace with its ID ranges and admits, mutates or refuses pods with OpenShift's SCC code.
#
# Usage: scripts/local-cluster.sh up|down|status|check|reset
#   up      start what is not running, bootstrap objects, wait until nodes are Ready
#   down    stop every process started by `up` (pid files); state is kept
#   status  show which processes run and the nodes
#   check   smoke test: Deployment with init container + probe + PVC becomes Available,
#           a Route with a bad path is refused (uses a throwaway namespace)
#   reset   down, then delete the cluster state (etcd data, certs, logs)
#   recycle make Released static volumes Available again, emptied (run before each `up`)
# State: ${SSCAN_STATE_DIR:-<repo>/.state}/cluster, kubeconfig: <state>/kubeconfig
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SSCAN_STATE_DIR:-$ROOT/.state}"
C="$STATE/cluster"
PKI="$C/pki" LOGS="$C/logs" PIDS="$C/pids"
KUBECONFIG_OUT="$STATE/kubeconfig"
TC="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source-path=SCRIPTDIR source=toolchain/versions.env
source "$ROOT/scripts/toolchain/versions.env"

ETCD_PORT="${SSCAN_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${SSCAN_ETCD_PEER_PORT:-12380}"
API_PORT="${SSCAN_APISERVER_PORT:-16443}"
CM_PORT="${SSCAN_CM_PORT:-10257}"
SCHED_PORT="${SSCAN_SCHEDULER_PORT:-10259}"
KWOK_PORT="${SSCAN_KWOK_PORT:-10247}"
SCC_PORT="${SSCAN_SCC_WEBHOOK_PORT:-19443}"
NODES="${SSCAN_KWOK_NODES:-3}"
SERVICE_CIDR=10.96.0.0/16
API="https://127.0.0.1:$API_PORT"

K8S_BIN="$TC/kubernetes-$K8S_VERSION/bin"
ETCD_BIN="$TC/etcd-$ETCD_VERSION/bin"
KWOK_DIR="$TC/kwok-$KWOK_VERSION"
export PATH="$K8S_BIN:$ETCD_BIN:$KWOK_DIR/bin:$PATH"

T0=$SECONDS
log() { printf '[cluster %3ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
kc() { kubectl --kubeconfig "$KUBECONFIG_OUT" "$@"; }

need_binaries() {
  local b
  for b in "$K8S_BIN/kube-apiserver" "$K8S_BIN/kube-controller-manager" "$K8S_BIN/kube-scheduler" \
           "$K8S_BIN/kubectl" "$ETCD_BIN/etcd" "$KWOK_DIR/bin/kwok"; do
    [[ -x "$b" ]] || die "missing $b: run scripts/toolchain.sh kubernetes etcd kwok first"
  done
  command -v openssl >/dev/null || die "openssl is not installed"
}

# ------------------------------------------------------------------------- PKI
gen_cert() { # name subject [san]  (signed by the CA; client cert when no san)
  local name=$1 subj=$2 san=${3:-}
  [[ -f "$PKI/$name.crt" ]] && return 0
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$san" ]]; then
      echo "extendedKeyUsage=serverAuth"
      echo "subjectAltName=$san"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

kubeconfig_for() { # file user-cert-name
  local f=$1 u=$2
  [[ -f "$f" ]] && return 0
  kubectl config set-cluster sscan-local --server="$API" --certificate-authority="$PKI/ca.crt" \
    --embed-certs=true --kubeconfig="$f" >/dev/null
  kubectl config set-credentials "$u" --client-certificate="$PKI/$u.crt" --client-key="$PKI/$u.key" \
    --embed-certs=true --kubeconfig="$f" >/dev/null
  kubectl config set-context sscan-local --cluster=sscan-local --user="$u" --kubeconfig="$f" >/dev/null
  kubectl config use-context sscan-local --kubeconfig="$f" >/dev/null
  chmod 600 "$f"
}

ensure_pki() {
  mkdir -p "$PKI" "$LOGS" "$PIDS"
  chmod 700 "$PKI"
  if [[ ! -f "$PKI/ca.crt" ]]; then
    log "generating certificates in $PKI"
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=sscan-local-ca" -days 3650 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$PKI/ca.crt" 2>/dev/null
  fi
  gen_cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"
  gen_cert admin "/O=system:masters/CN=sscan-admin"
  gen_cert controller-manager "/CN=system:kube-controller-manager"
  gen_cert scheduler "/CN=system:kube-scheduler"
  gen_cert kwok "/O=system:masters/CN=kwok-controller"
  gen_cert openshift-scc "/CN=openshift-scc-webhook" "IP:127.0.0.1"
  # The webhook reads namespaces and RoleBindings and annotates namespaces (sscan-scc-reader below).
  gen_cert openshift-scc-client "/CN=sscan-openshift-scc"
  if [[ ! -f "$PKI/sa.key" ]]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  kubeconfig_for "$KUBECONFIG_OUT" admin
  kubeconfig_for "$C/controller-manager.kubeconfig" controller-manager
  kubeconfig_for "$C/scheduler.kubeconfig" scheduler
  kubeconfig_for "$C/kwok.kubeconfig" kwok
}

# ------------------------------------------------------------------- processes
COMPONENTS=(etcd kube-apiserver openshift-scc kube-controller-manager kube-scheduler kwok)

pid_of() { # component -> pid if running (and really that binary)
  local f="$PIDS/$1.pid" pid
  [[ -f "$f" ]] || return 1
  pid=$(<"$f")
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "/$1 " || return 1
  echo "$pid"
}

start() { # component args...
  local name=$1; shift
  if pid=$(pid_of "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  local bin; bin=$(command -v "$name")
  log "starting $name"
  # setsid: own session, so the process outlives this script and ignores its terminal.
  setsid "$bin" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

wait_for() { # description timeout-seconds component-that-must-stay-alive command...
  local what=$1 timeout=$2 comp=$3; shift 3
  local end=$((SECONDS + timeout)) pid
  until "$@" >/dev/null 2>&1; do
    pid=$(cat "$PIDS/$comp.pid" 2>/dev/null || true)
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$LOGS/$comp.log" >&2 || true
      die "$comp exited while waiting for $what; see $LOGS/$comp.log"
    fi
    if ((SECONDS >= end)); then die "timed out after ${timeout}s waiting for $what (logs: $LOGS)"; fi
    sleep 0.5
  done
  log "$what: ok"
}

etcd_healthy() { curl -sf "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
api_ready() { kc get --raw /readyz; }

stages_file() {
  local f="$C/kwok-stages.yaml" s
  : >"$f"
  for s in "$KWOK_DIR"/stages/*.yaml; do
    { cat "$s"; echo "---"; } >>"$f"
  done
  echo "$f"
}

scc_webhook_ready() { curl -sf --cacert "$PKI/ca.crt" "https://127.0.0.1:$SCC_PORT/healthz" | grep -q ok; }

# OpenShift's pod admission, before any controller creates a pod: the webhook process, what it may
# read, the SCC ClusterRoles and bindings OpenShift ships, and the webhook configurations
# (failurePolicy Fail: no pod bypasses it while it is down).
openshift_admission() {
  local out bin manifests ca f
  out="$(bash "$ROOT/scripts/openshift-scc.sh")"
  bin="$(sed -n 1p <<<"$out")"; manifests="$(sed -n 2p <<<"$out")"
  PATH="$(dirname "$bin"):$PATH" start openshift-scc webhook --addr="127.0.0.1:$SCC_PORT" \
    --cert="$PKI/openshift-scc.crt" --key="$PKI/openshift-scc.key" --scc-dir="$manifests" \
    --api="$API" --api-ca="$PKI/ca.crt" --client-cert="$PKI/openshift-scc-client.crt" --client-key="$PKI/openshift-scc-client.key"
  wait_for "openshift-scc webhook" 30 openshift-scc scc_webhook_ready
  for f in "$manifests"/*_cr-scc-*.yaml "$manifests"/*_crb-*.yaml; do kc apply --server-side --field-manager=sscan-local -f "$f" >/dev/null; done
  ca="$(base64 -w0 <"$PKI/ca.crt")"
  kc apply --server-side --field-manager=sscan-local -f - >/dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sscan-scc-reader}
rules:
  - {apiGroups: [""], resources: [namespaces], verbs: [get, patch]}
  - {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sscan-scc-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sscan-scc-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: sscan-openshift-scc}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: openshift-scc}
webhooks:
  - name: namespaces.scc.openshift.sscan.local
    clientConfig: {url: "https://127.0.0.1:$SCC_PORT/mutate", caBundle: "$ca"}
    rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [namespaces]}]
    sideEffects: NoneOnDryRun
    admissionReviewVersions: [v1]
    failurePolicy: Fail
    timeoutSeconds: 10
  - name: pods.scc.openshift.sscan.local
    clientConfig: {url: "https://127.0.0.1:$SCC_PORT/mutate", caBundle: "$ca"}
    rules: [{apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}]
    namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, kube-public, kube-node-lease]}]}
    sideEffects: None
    admissionReviewVersions: [v1]
    failurePolicy: Fail
    reinvocationPolicy: IfNeeded
    timeoutSeconds: 10
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: openshift-scc}
webhooks:
  - name: workloads.scc.openshift.sscan.local
    clientConfig: {url: "https://127.0.0.1:$SCC_PORT/validate", caBundle: "$ca"}
    rules:
      - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments, statefulsets, daemonsets, replicasets]}
      - {apiGroups: [batch], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [jobs, cronjobs]}
    namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, kube-public, kube-node-lease]}]}
    sideEffects: None
    admissionReviewVersions: [v1]
    failurePolicy: Fail
    timeoutSeconds: 10
EOF
  log "OpenShift SCC admission: webhook on 127.0.0.1:$SCC_PORT (new namespaces get ID ranges; pods are admitted by the first usable SCC)"
}

bootstrap_objects() {
  local i
  {
    for ((i = 0; i < NODES; i++)); do
      local zones=(a b c) zone; zone="us-east-1${zones[i % 3]}"
      cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$i
    node.kubernetes.io/instance-type: m5.2xlarge
    topology.kubernetes.io/region: us-east-1
    topology.kubernetes.io/zone: $zone
status:
  allocatable: {cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi}
  capacity: {cpu: "32", memory: 128Gi, pods: "110", ephemeral-storage: 500Gi}
  addresses:
    - {type: InternalIP, address: 10.240.0.$((10 + i))}
    - {type: Hostname, address: kwok-node-$i}
  nodeInfo:
    kubeletVersion: $K8S_VERSION
    kubeProxyVersion: $K8S_VERSION
    containerRuntimeVersion: kwok://$KWOK_VERSION
    kernelVersion: kwok-$KWOK_VERSION
    osImage: kwok fake node
    operatingSystem: linux
    architecture: amd64
---
EOF
    done
    cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: gp2
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
allowVolumeExpansion: true
---
EOF
    pv() { # name size class
      cat <<EOF
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $1
  labels: {sscan.local/static-pv: "true"}
spec:
  capacity: {storage: $2}
  accessModes: [ReadWriteOnce, ReadOnlyMany, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: "$3"
  hostPath: {path: /tmp/sscan-local-pv/$1}
---
EOF
    }
    for ((i = 0; i < 10; i++)); do pv "pv-gp2-200gi-$i" 200Gi gp2; done
    for ((i = 0; i < 5; i++)); do pv "pv-gp2-5gi-$i" 5Gi gp2; done
    for ((i = 0; i < 5; i++)); do pv "pv-noclass-5gi-$i" 5Gi ""; done
  } >"$C/bootstrap.yaml"
  kc apply -f "$C/bootstrap.yaml" >/dev/null
  # OpenShift's own Route CRD (its schema and CEL validations), as MicroShift serves Routes.
  local route_crd
  route_crd="$(bash "$ROOT/scripts/route-crd.sh")"
  kc apply --server-side --field-manager=sscan-local -f "$route_crd" >/dev/null
  kc wait --for=condition=Established crd/routes.route.openshift.io --timeout=30s >/dev/null
  # The Prometheus Operator's CRDs (PodMonitor, ServiceMonitor, PrometheusRule; pinned in
  # scripts/monitoring.env): the API server validates the program's monitoring objects against
  # them, as on a cluster with the operator. Server-side: their size is past what the
  # last-applied annotation of a client-side apply comfortably holds.
  local monitoring_crds
  monitoring_crds="$(bash "$ROOT/scripts/monitoring-tools.sh" crds)"
  kc apply --server-side --field-manager=sscan-local -f "$monitoring_crds" >/dev/null
  kc wait --for=condition=Established crd/podmonitors.monitoring.coreos.com crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com --timeout=30s >/dev/null
  log "applied $NODES nodes, StorageClass gp2 (default), 20 static PVs, Route CRD, Prometheus Operator CRDs (PodMonitor, ServiceMonitor, PrometheusRule)"
}

# Static PVs use the Retain policy (nothing here can delete a hostPath volume), so a PV whose
# claim was deleted stays Released; empty its directory and clear its claimRef to make it
# Available again, as a dynamic provisioner would hand out a new, empty volume.
recycle_pvs() {
  local pv n=0 dir
  for pv in $(kc get pv -l sscan.local/static-pv=true \
      -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
    dir=$(kc get pv "$pv" -o jsonpath='{.spec.hostPath.path}')
    if [[ "$dir" == /tmp/sscan-local-pv/* ]]; then rm -rf "$dir"; fi
    kc patch pv "$pv" --type=json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null
    n=$((n + 1))
  done
  if ((n > 0)); then log "recycled $n released static PV(s)"; fi
}

nodes_ready() {
  local n
  n=$(kc get nodes -l type=kwok -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)
  [[ "$n" -ge "$NODES" ]]
}

up() {
  need_binaries
  ensure_pki
  start etcd --name=sscan --data-dir="$C/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="sscan=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level=warn
  wait_for "etcd health" 30 etcd etcd_healthy

  start kube-apiserver --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" \
    --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true --profiling=false \
    --cert-dir="$PKI/apiserver-generated"
  wait_for "kube-apiserver /readyz" 60 kube-apiserver api_ready
  openshift_admission

  start kube-controller-manager --kubeconfig="$C/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$C/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$C/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CM_PORT" --cert-dir="$PKI/cm-generated" \
    --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --leader-elect=false --profiling=false
  start kube-scheduler --kubeconfig="$C/scheduler.kubeconfig" \
    --authentication-kubeconfig="$C/scheduler.kubeconfig" --authorization-kubeconfig="$C/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --cert-dir="$PKI/scheduler-generated" \
    --leader-elect=false --profiling=false
  start kwok --kubeconfig="$C/kwok.kubeconfig" --config="$(stages_file)" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-lease-duration-seconds=40 --cidr=10.244.0.1/16 --node-ip=10.240.0.1 \
    --server-address="127.0.0.1:$KWOK_PORT"

  bootstrap_objects
  recycle_pvs
  wait_for "$NODES kwok nodes Ready" 60 kwok nodes_ready
  wait_for "default service account" 30 kube-controller-manager kc -n default get serviceaccount default
  log "up: kubeconfig $KUBECONFIG_OUT (export KUBECONFIG=$KUBECONFIG_OUT)"
}

down() {
  local name pid pids=() names=() i
  # SIGTERM to all (clients first), then wait for every one; SIGKILL what is left after 20s.
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name=${COMPONENTS[i]}
    if pid=$(pid_of "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    fi
  done
  local deadline=$((SECONDS + 20))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[i]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    if kill -0 "${pids[i]}" 2>/dev/null; then
      kill -KILL "${pids[i]}" 2>/dev/null || true
      log "killed ${names[i]} (pid ${pids[i]}) after 20s"
    else
      log "stopped ${names[i]} (pid ${pids[i]})"
    fi
  done
  for name in "${COMPONENTS[@]}"; do rm -f "$PIDS/$name.pid"; done
  log "down: ${#pids[@]} process(es) stopped"
}

status() {
  local name pid rc=0
  for name in "${COMPONENTS[@]}"; do
    if pid=$(pid_of "$name"); then
      printf '%-24s running (pid %s)\n' "$name" "$pid"
    else
      printf '%-24s stopped\n' "$name"; rc=3
    fi
  done
  if pid_of kube-apiserver >/dev/null && kc get --raw /readyz >/dev/null 2>&1; then
    echo "apiserver: $API ready; kubeconfig: $KUBECONFIG_OUT"
    kc get nodes -o wide 2>/dev/null || true
  fi
  return $rc
}

check() {
  local ns="sscan-check-$$"
  kc get --raw /readyz >/dev/null || die "cluster is not up"
  kc create namespace "$ns" >/dev/null
  # shellcheck disable=SC2064 # expand now: $ns is local
  trap "kubectl --kubeconfig '$KUBECONFIG_OUT' delete namespace '$ns' --wait=false >/dev/null 2>&1 || true" EXIT
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
        - {name: init, image: busybox:1.36, command: [sh, -c, "sleep 30"]}
      containers:
        - name: web
          image: nginx:1.27
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 100m, memory: 64Mi}
          volumeMounts: [{name: data, mountPath: /data}]
      volumes:
        - {name: data, persistentVolumeClaim: {claimName: data}}
EOF
  kc -n "$ns" wait --for=jsonpath='{.status.phase}'=Bound pvc/data --timeout=60s >/dev/null
  log "check: PVC bound to $(kc -n "$ns" get pvc data -o jsonpath='{.spec.volumeName}')"
  kc -n "$ns" wait --for=condition=Available deployment/web --timeout=90s >/dev/null
  log "check: deployment Available ($(kc -n "$ns" get deploy web -o jsonpath='{.status.readyReplicas}') ready replicas)"
  local out
  if out=$(kc -n "$ns" apply -f - 2>&1 <<EOF
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: bad}
spec:
  host: web.example.com
  path: no-leading-slash
  to: {kind: Service, name: web}
EOF
  ); then
    die "check: a Route with path 'no-leading-slash' was accepted"
  fi
  grep -q 'spec.path' <<<"$out" || die "check: Route refused for an unexpected reason: $out"
  log "check: bad Route refused: $(grep -o 'spec.path.*' <<<"$out" | head -1)"
  kc -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: good}
spec:
  host: web.example.com
  path: /
  to: {kind: Service, name: web, weight: 100}
  port: {targetPort: http}
  tls: {termination: edge, insecureEdgeTerminationPolicy: Redirect}
EOF
  log "check: valid Route accepted"
  kc delete namespace "$ns" --timeout=60s >/dev/null
  trap - EXIT
  recycle_pvs
  log "check: all passed"
}

reset() {
  down
  rm -rf "$C" "$KUBECONFIG_OUT"
  log "reset: removed $C and $KUBECONFIG_OUT"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  check) check ;;
  reset) reset ;;
  recycle) recycle_pvs ;;
  *) echo "usage: $0 up|down|status|check|reset|recycle" >&2; exit 2 ;;
esac
