#!/usr/bin/env bash
# Prints the path of OpenShift's own Route CRD (openshift/api @ 2a3d73913b5a, route/v1
# zz_generated.crd-manifests/routes.crd.yaml: the structural schema and CEL validations MicroShift
# serves Routes from), after checking it against its sha256. The local control plane serves Routes
# from it (scripts/local-cluster.sh) and kubeconform's schemas are generated from it
# (scripts/checkers.sh). An altered file is an error naming it; a missing one too, with exit
# status 3 outside CI (scripts/upstream-src.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=upstream-src.sh
source "$ROOT/scripts/upstream-src.sh"
ROUTE_CRD="$UPSTREAM_SRC/openshift/routes.crd.yaml"
ROUTE_CRD_SHA256="65e2171923f7596a2a7b7da21891e9ed5906da8108ce15145b61924b9db73d82"
if [[ ! -f "$ROUTE_CRD" ]]; then
  echo "route-crd: OpenShift's Route CRD is missing: $ROUTE_CRD; it is openshift/api @ 2a3d73913b5a's route/v1/zz_generated.crd-manifests/routes.crd.yaml (sha256 $ROUTE_CRD_SHA256): set SSCAN_UPSTREAM_SRC to a folder holding it as openshift/routes.crd.yaml" >&2
  in_ci && exit 1
  exit "$UNAVAILABLE_STATUS"
fi
actual="$(sha256sum "$ROUTE_CRD" | cut -d' ' -f1)"
[[ "$actual" == "$ROUTE_CRD_SHA256" ]] || { echo "route-crd: $ROUTE_CRD is altered: sha256 $actual, expected $ROUTE_CRD_SHA256 (scripts/route-crd.sh)" >&2; exit 1; }
echo "$ROUTE_CRD"
