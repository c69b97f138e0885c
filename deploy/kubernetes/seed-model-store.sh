#!/usr/bin/env bash
# Puts the base model into the model store (PVC vbp-model-store) as sha256/<sha256>.onnx, the address the collectors
# and the pruner are configured with (model.uri in base/kustomization.yaml: vbp-store:sha256/<sha256>.onnx). The file
# is copied from this checkout with kubectl cp: nothing is downloaded at run time.
#
#   deploy/kubernetes/seed-model-store.sh [--namespace NS] [--model FILE] [--via-pruner] [--no-restart]
#
# By default a short-lived pod (vbp-store-seed, image $SEED_IMAGE, default busybox: kubectl cp needs tar in the
# target container) mounts the PVC and receives the file; it is deleted afterwards. --via-pruner copies through the
# running pruner-service pod instead (its image must contain tar). The copy lands under a temporary name, its sha256
# is checked inside the cluster, then it is renamed into place, so a reader never sees half a file. Running it again
# is harmless: an artifact already in place with the right sha256 is left alone.
#
# Afterwards, collectors that are not ready (they started before the artifact existed and refused it as MISSING) are
# restarted, unless --no-restart. The pruner needs no restart: it retries publishing the base version until the
# store can serve it, and the collectors swap to it from model-versions.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
namespace=vbp
model=$root/models/fmnist-vit/model.onnx
via_pruner=false
restart=true
seed_image=${SEED_IMAGE:-busybox:1.36}
pvc=vbp-model-store
seed_pod=vbp-store-seed

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --namespace) namespace=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --via-pruner) via_pruner=true; shift ;;
        --no-restart) restart=false; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "seed-model-store: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

die() {
    echo "seed-model-store: $*" >&2
    exit 1
}

command -v kubectl >/dev/null || die "kubectl is not on the PATH"
[ -f "$model" ] || die "no model file at $model"

if command -v sha256sum >/dev/null; then
    sha=$(sha256sum "$model" | cut -d' ' -f1)
else
    sha=$(shasum -a 256 "$model" | cut -d' ' -f1)
fi

# The address the deployment serves must name this very file.
expected=$(sed -n 's/.*model\.uri=vbp-store:sha256\/\([0-9a-f]\{64\}\)\.onnx.*/\1/p' "$here/base/kustomization.yaml" | head -1)
[ -n "$expected" ] || die "no model.uri=vbp-store:sha256/<hex>.onnx in $here/base/kustomization.yaml"
[ "$sha" = "$expected" ] || die "$model has sha256 $sha, but the deployment serves $expected (model.uri in base/kustomization.yaml)"

k() {
    kubectl -n "$namespace" "$@"
}

kubectl get namespace "$namespace" >/dev/null || die "namespace $namespace not found (apply an overlay first)"
k get pvc "$pvc" >/dev/null || die "PVC $pvc not found in $namespace (apply an overlay first)"

pruner_pod() {
    k get pod -l app.kubernetes.io/name=pruner-service --field-selector=status.phase=Running \
        -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true
}

if $via_pruner; then
    pod=$(pruner_pod)
    [ -n "$pod" ] || die "no running pruner-service pod in $namespace"
    container=pruner-service
    store=/var/lib/vbp/store
else
    # With a ReadWriteOnce store (dev) the seed pod must run where the volume is attached: next to the pruner.
    affinity=""
    mode=$(k get pvc "$pvc" -o jsonpath='{.spec.accessModes[0]}')
    if [ "$mode" = "ReadWriteOnce" ]; then
        p=$(pruner_pod)
        if [ -n "$p" ]; then
            node=$(k get pod "$p" -o jsonpath='{.spec.nodeName}')
            affinity="
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchFields:
              - key: metadata.name
                operator: In
                values: [\"$node\"]"
        fi
    fi
    pod=$seed_pod
    container=seed
    store=/store
    trap 'kubectl -n "$namespace" delete pod "$seed_pod" --ignore-not-found --wait=false >/dev/null' EXIT
    k delete pod "$seed_pod" --ignore-not-found --wait=true >/dev/null
    # uid/gid 185 like the services, so they can read (and the pruner write) what lands in the store
    cat <<EOF | k apply -f - >/dev/null
apiVersion: v1
kind: Pod
metadata:
  name: $seed_pod
  labels:
    app.kubernetes.io/name: vbp-store-seed
    app.kubernetes.io/component: model-store
    app.kubernetes.io/part-of: vbp-stream
spec:
  restartPolicy: Never
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: 1
  securityContext:
    runAsNonRoot: true
    runAsUser: 185
    runAsGroup: 185
    fsGroup: 185
    seccompProfile:
      type: RuntimeDefault$affinity
  containers:
    - name: seed
      image: $seed_image
      command: ["sleep", "3600"]
      resources:
        requests: {cpu: 10m, memory: 16Mi}
        limits: {cpu: 200m, memory: 64Mi}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
      volumeMounts:
        - {name: store, mountPath: /store}
        - {name: tmp, mountPath: /tmp}
  volumes:
    - name: store
      persistentVolumeClaim:
        claimName: $pvc
    - name: tmp
      emptyDir: {}
EOF
    echo "seed-model-store: waiting for pod $seed_pod"
    k wait --for=condition=Ready "pod/$seed_pod" --timeout=300s >/dev/null \
        || die "pod $seed_pod did not become ready (kubectl -n $namespace describe pod $seed_pod)"
fi

target=$store/sha256/$sha.onnx
if k exec "$pod" -c "$container" -- sh -c "test -f '$target' && echo '$sha  $target' | sha256sum -c - >/dev/null 2>&1"; then
    echo "seed-model-store: $target already in the store"
else
    tmp=$store/sha256/.seed-$sha.onnx
    k exec "$pod" -c "$container" -- mkdir -p "$store/sha256"
    echo "seed-model-store: copying $model to $pod:$target"
    kubectl cp "$model" "$namespace/$pod:$tmp" -c "$container"
    k exec "$pod" -c "$container" -- sh -c "
        echo '$sha  $tmp' | sha256sum -c - >/dev/null || { rm -f '$tmp'; echo 'sha256 mismatch after the copy' >&2; exit 1; }
        chmod 0644 '$tmp' && mv -f '$tmp' '$target'" || die "the copy in the store is damaged; nothing was put in place"
    echo "seed-model-store: $target in place (vbp-store:sha256/$sha.onnx)"
fi

if $restart && k get statefulset activation-collector >/dev/null 2>&1; then
    want=$(k get statefulset activation-collector -o jsonpath='{.spec.replicas}')
    ready=$(k get statefulset activation-collector -o jsonpath='{.status.readyReplicas}')
    if [ "${ready:-0}" -lt "${want:-0}" ]; then
        echo "seed-model-store: ${ready:-0}/$want collectors ready; restarting them to load the model"
        k rollout restart statefulset/activation-collector >/dev/null
    fi
fi
