#!/usr/bin/env bash
# Provides the pinned manifest checkers (scripts/checkers.env) and kubeconform's schemas in
#   ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/checkers-<key>/
#     bin/kube-score bin/kubeconform bin/kube-linter bin/polaris   (go install, or built from source)
#     checkov/                                                     (python3 -m venv + pip)
#     schemas-<key2>/v1.33.13-standalone{,-strict}/*.json         (scripts/kubeconform-schemas.js)
#     checkers.json                                                (what npm run check:manifests reads)
#     install-times.txt                                            (cold install/build time per tool)
# <key> hashes scripts/checkers.env; <key2> the schema generator, the CRDs and the K8s version.
#
# Usage: scripts/checkers.sh [--quiet] [--allow-missing]
#   Prints the checkers directory on stdout; progress goes to stderr (--quiet: only work done).
# Usage: scripts/checkers.sh --check-sources
#   Only verifies the kube-linter and Polaris source archives (present, sha256 as pinned), builds nothing.
#
# Where each checker comes from, first match wins:
# openshift-scc (OpenShift's SCC admission code) comes from scripts/openshift-scc.sh (OPENSHIFT_SCC_BIN,
# its cache, or a build from the apiserver-library-go archive). For the other five:
#   1. the binary named by KUBE_SCORE_BIN, KUBE_LINTER_BIN, POLARIS_BIN, KUBECONFORM_BIN, CHECKOV_BIN
#      (taken as given; a version other than the pinned one is warned about);
#   2. the tool on PATH, when it reports the pinned version (another version is ignored, with a note:
#      the findings and exemptions are kept in step with the pinned versions);
#   3. this cache (a .complete-<tool> marker);
#   4. go install <module>@<pinned version> from the Go module proxy (checkov: pip in a venv);
#   5. kube-linter and Polaris only, when the proxy refuses the module (HTTP 403/404/410): go build
#      from the source archive in ${SSCAN_UPSTREAM_SRC:-<repo>/../shared/upstream-src}, after
#      checking its sha256 against scripts/checkers.env and that folder's README.md.
# A checker none of these provides is an error naming what to install (exit status 3 outside CI,
# scripts/upstream-src.sh); with --allow-missing it is recorded in checkers.json as unavailable
# (with the reason) and the script exits 0. An archive whose sha256 does not match is an error
# even with --allow-missing. kubeconform's schemas include OpenShift's Route CRD (scripts/route-crd.sh):
# without it kubeconform counts as missing. In CI the two archives are verified on every run.
# A proxy refusal is remembered (.proxy-refused-<tool>); SSCAN_CHECKERS_RETRY=1 asks the proxy again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=checkers.env
source "$ROOT/scripts/checkers.env"
# shellcheck source=openshift-scc.env
source "$ROOT/scripts/openshift-scc.env"  # OPENSHIFT_SCC_REPORTS, for checkers.json
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source=upstream-src.sh
source "$ROOT/scripts/upstream-src.sh"
QUIET=0
ALLOW_MISSING=0
CHECK_SOURCES=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --allow-missing) ALLOW_MISSING=1 ;;
    --check-sources) CHECK_SOURCES=1 ;;
    *) printf 'usage: scripts/checkers.sh [--quiet] [--allow-missing] | --check-sources\n' >&2; exit 2 ;;
  esac
done

log() { printf '[checkers] %s\n' "$*" >&2; }
# shellcheck source=progress.sh
source "$ROOT/scripts/progress.sh"
trap progress_stop EXIT
info() { [[ $QUIET == 1 ]] || log "$@"; }
die() { printf '[checkers] ERROR [%s]: %s\n' "$1" "$2" >&2; exit 1; }

record_time() { # tool seconds how
  local f="$DIR/install-times.txt"
  grep -v "^$1 " "$f" 2>/dev/null >"$f.tmp" || true
  echo "$1 $2s $3 $(date -u +%FT%TZ)" >>"$f.tmp"
  mv "$f.tmp" "$f"
}

# What each checker reports as its version (the release builds print these formats).
reported_version() { # name path
  local out
  case "$1" in
    kube-score) out="$("$2" version 2>/dev/null | sed -n 's/^kube-score version: \([^,]*\),.*/\1/p')" ;;
    kubeconform) out="$("$2" -v 2>/dev/null)" ;;
    kube-linter) out="$("$2" version 2>/dev/null)" ;;
    polaris) out="$("$2" version 2>/dev/null | sed -n 's/^Polaris version: *//p')" ;;
    checkov) out="$("$2" --version 2>/dev/null)" ;;
    openshift-scc) out="$("$2" version 2>/dev/null)" ;;
  esac
  printf '%s' "$out" | head -n 1 | tr -d '\r'
}

# Per checker, filled in below: path, where it came from, the version it reports, or why it is missing.
declare -A TOOL_PATH=() TOOL_SOURCE=() TOOL_REPORTS=() TOOL_MISSING=()

# Records the checker as missing: an error, or with --allow-missing a warning and a checkers.json entry.
missing() { # name reason
  if [[ $ALLOW_MISSING != 1 ]]; then
    printf '[checkers] ERROR [%s]: %s\n' "$1" "$2 (--allow-missing runs the other checkers without it)" >&2
    in_ci && exit 1
    exit "$UNAVAILABLE_STATUS"
  fi
  log "WARNING: $1 is unavailable, continuing without it (--allow-missing): $2"
  TOOL_MISSING[$1]="$2"
}

provided() { # name path source [file caching the reported version, for binaries in this cache]
  TOOL_PATH[$1]="$2"
  TOOL_SOURCE[$1]="$3"
  # Asking checkov its version takes seconds; a binary in this cache does not change, so ask once.
  if [[ -n "${4:-}" && -s "${4:-}" ]]; then
    TOOL_REPORTS[$1]="$(cat "$4")"
  else
    TOOL_REPORTS[$1]="$(reported_version "$1" "$2")"
    [[ -z "${4:-}" ]] || printf '%s' "${TOOL_REPORTS[$1]}" >"$4"
  fi
}

# Steps 1-3 of the header: an override, the tool on PATH, or this cache. Returns 1 when none.
prebuilt() { # name prefix
  local name=$1 prefix=$2 pinned found reports
  local override_var="${prefix}_BIN" reports_var="${prefix}_REPORTS"
  pinned="${!reports_var}"
  if [[ -n "${!override_var:-}" ]]; then
    [[ -x "${!override_var}" ]] || die "$name" "$override_var=${!override_var} is not an executable file"
    provided "$name" "${!override_var}" "$override_var"
    [[ "${TOOL_REPORTS[$name]}" == "$pinned" ]] ||
      log "WARNING: $override_var=${!override_var} reports version '${TOOL_REPORTS[$name]}', pinned is $pinned; its findings may differ"
    info "$name: $override_var=${!override_var}"
    return 0
  fi
  # type -P: executables on PATH only (command -v would also find this script's functions).
  if found="$(type -P "$name")"; then
    reports="$(reported_version "$name" "$found")"
    if [[ "$reports" == "$pinned" ]]; then
      provided "$name" "$found" PATH
      info "$name $pinned: on PATH ($found)"
      return 0
    fi
    info "$name on PATH ($found) reports version '$reports', not the pinned $pinned: not used"
  fi
  if [[ -f "$DIR/.complete-$name" && -x "$DIR/bin/$name" ]]; then
    provided "$name" "$DIR/bin/$name" "$(cat "$DIR/.complete-$name")" "$DIR/.reports-$name"
    info "$name $pinned: cached (${TOOL_SOURCE[$name]})"
    return 0
  fi
  return 1
}

# The pinned source archive of a checker, verified: sets ARCHIVE, or MISSING_REASON and returns 1
# when it is absent; an archive that is there but altered is always an error.
verify_archive() { # name prefix
  local name=$1 prefix=$2
  local archive_var="${prefix}_SRC_ARCHIVE" sha_var="${prefix}_SRC_SHA256"
  local archive_name="${!archive_var}" expected="${!sha_var}" actual listed
  ARCHIVE="$UPSTREAM_SRC/$archive_name"
  if [[ ! -f "$ARCHIVE" ]]; then
    local version_var="${prefix}_VERSION"
    MISSING_REASON="its source archive $ARCHIVE is missing: install $name ${!version_var} on PATH or set ${prefix}_BIN to it, or set SSCAN_UPSTREAM_SRC to the folder holding $archive_name"
    return 1
  fi
  actual="$(sha256sum "$ARCHIVE" | cut -d' ' -f1)"
  [[ "$actual" == "$expected" ]] ||
    die "$name" "source archive $ARCHIVE is altered: sha256 $actual, expected $expected (scripts/checkers.env)"
  # The folder's README lists the same sum; a different one means one of the two is stale.
  if [[ -f "$UPSTREAM_SRC/README.md" ]]; then
    listed="$(grep -F "\`$archive_name\`" "$UPSTREAM_SRC/README.md" | grep -oE '\b[0-9a-f]{64}\b' | tail -n 1 || true)"
    [[ -z "$listed" || "$listed" == "$expected" ]] ||
      die "$name" "$UPSTREAM_SRC/README.md lists sha256 $listed for $archive_name, scripts/checkers.env pins $expected"
  fi
}

if [[ $CHECK_SOURCES == 1 ]]; then
  for tool in kube-linter:KUBE_LINTER polaris:POLARIS; do
    verify_archive "${tool%%:*}" "${tool#*:}" || die "${tool%%:*}" "$MISSING_REASON"
    log "${tool%%:*}: $ARCHIVE verified (sha256 as pinned)"
  done
  exit 0
fi

if in_ci; then
  for tool in kube-linter:KUBE_LINTER polaris:POLARIS; do
    verify_archive "${tool%%:*}" "${tool#*:}" || die "${tool%%:*}" "$MISSING_REASON (CI builds and checks it from the archive)"
  done
fi

command -v go >/dev/null || die go "go is not on PATH (needed for kube-score, kube-linter, polaris, kubeconform)"
command -v python3 >/dev/null || die checkov "python3 is not on PATH (needed for checkov)"
command -v node >/dev/null || die schemas "node is not on PATH (needed to generate kubeconform schemas)"

sha() { sha256sum | cut -c1-12; }
KEY="$(sha <"$ROOT/scripts/checkers.env")"
DIR="$CACHE/checkers-$KEY"
mkdir -p "$DIR/bin" "$DIR/logs"

# Two check:manifests runs at once (stage and prod in parallel) must not build into the same files.
exec 9>"$DIR/.lock"
if ! flock -n 9; then
  # Said even with --quiet: a run that only waits would look hung.
  log "waiting for another run's lock on $DIR/.lock (another check:manifests is installing or checking the checkers) ..."
  flock 9
  log "got the lock"
fi

# OpenShift's own Route CRD (scripts/route-crd.sh checks it) plus the Prometheus Operator's
# (pinned in scripts/monitoring.env, by their sha256). A missing CRD (status 3) leaves kubeconform
# without its schemas; an altered one is an error.
route_status=0
ROUTE_CRD="$(bash "$ROOT/scripts/route-crd.sh")" || route_status=$?
((route_status == 0 || route_status == UNAVAILABLE_STATUS)) || die schemas "scripts/route-crd.sh failed (its error is above)"
SCHEMAS=""
if ((route_status == 0)); then
  SCHEMA_KEY="$( (cat "$ROOT/scripts/kubeconform-schemas.js" "$ROUTE_CRD" "$ROOT/scripts/monitoring.env"; echo "$SCHEMA_K8S_VERSION") | sha)"
  SCHEMAS="$DIR/schemas-$SCHEMA_KEY"
fi

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
# Lowest priority: these builds share the machine with test runs and other builds.
NICE=(nice -n 19)

# Step 5: go build from the pinned source archive, verified first.
build_from_archive() { # name prefix proxy-refusal
  local name=$1 prefix=$2 refusal=$3
  local archive_var="${prefix}_SRC_ARCHIVE" pkg_var="${prefix}_SRC_PACKAGE"
  local ldflags_var="${prefix}_LDFLAGS" reports_var="${prefix}_REPORTS"
  local archive_name="${!archive_var}" logf="$DIR/logs/$name.log" src="$DIR/src/$name"
  if ! verify_archive "$name" "$prefix"; then
    missing "$name" "$refusal, and $MISSING_REASON"
    return 0
  fi
  local archive="$ARCHIVE"
  log "building $name from $archive_name ($refusal; sha256 verified; log: $logf) ..."
  local t=$SECONDS top
  rm -rf "$src" "$DIR/bin/$name.partial" "$DIR/.reports-$name"
  mkdir -p "$src"
  tar -xzf "$archive" -C "$src" || die "$name" "cannot unpack $archive"
  top="$(find "$src" -mindepth 1 -maxdepth 1 -type d)"
  [[ -n "$top" && "$(wc -l <<<"$top")" == 1 && -f "$top/go.mod" ]] ||
    die "$name" "$archive_name does not hold one Go module directory"
  progress_start checkers "building $name from $archive_name" "$logf"
  if ! (cd "$top" && GOFLAGS="$GOFLAGS -mod=readonly" "${NICE[@]}" go build -trimpath \
          -ldflags "${!ldflags_var}" -o "$DIR/bin/$name.partial" "${!pkg_var}") >"$logf" 2>&1; then
    progress_stop
    tail -n 20 "$logf" >&2 || true
    die "$name" "go build of $archive_name failed after $((SECONDS - t))s; full log: $logf"
  fi
  progress_stop
  local reports
  reports="$(reported_version "$name" "$DIR/bin/$name.partial")"
  [[ "$reports" == "${!reports_var}" ]] ||
    die "$name" "the binary built from $archive_name reports version '$reports', expected ${!reports_var}"
  mv "$DIR/bin/$name.partial" "$DIR/bin/$name"
  rm -rf "$src"
  record_time "$name" $((SECONDS - t)) "cold build from $archive_name"
  echo "built from $archive_name" >"$DIR/.complete-$name"
  provided "$name" "$DIR/bin/$name" "built from $archive_name" "$DIR/.reports-$name"
  log "built $name ${!reports_var} from $archive_name in $((SECONDS - t))s"
}

# go_tool NAME PREFIX PACKAGE-SUFFIX: steps 1-5 for a Go checker.
go_tool() {
  local name=$1 prefix=$2 pkg=$3
  local module_var="${prefix}_MODULE" version_var="${prefix}_VERSION" ldflags_var="${prefix}_LDFLAGS"
  local archive_var="${prefix}_SRC_ARCHIVE"
  local module="${!module_var}" version="${!version_var}"
  local refused="$DIR/.proxy-refused-$name" logf="$DIR/logs/$name.log"
  prebuilt "$name" "$prefix" && return 0
  if [[ ! -f "$refused" || "${SSCAN_CHECKERS_RETRY:-0}" == 1 ]]; then
    log "installing $name $version (go install $module$pkg@$version; log: $logf) ..."
    rm -f "$DIR/.reports-$name"
    local t=$SECONDS
    progress_start checkers "installing $name $version" "$logf"
    if GOBIN="$DIR/bin" "${NICE[@]}" go install -trimpath -ldflags "${!ldflags_var}" "$module$pkg@$version" >"$logf" 2>&1; then
      progress_stop
      rm -f "$refused"
      record_time "$name" $((SECONDS - t)) "cold go install"
      echo "go install $module$pkg@$version" >"$DIR/.complete-$name"
      provided "$name" "$DIR/bin/$name" "go install $module$pkg@$version" "$DIR/.reports-$name"
      log "installed $name $version in $((SECONDS - t))s"
      return 0
    fi
    progress_stop
    if ! grep -qE '(403 Forbidden|404 Not Found|410 Gone|not available|invalid version)' "$logf"; then
      tail -n 20 "$logf" >&2 || true
      die "$name" "go install $module$pkg@$version failed after $((SECONDS - t))s; full log: $logf"
    fi
    echo "the Go module proxy refuses $module@$version ($(grep -oE '(403 Forbidden|404 Not Found|410 Gone|not available|invalid version)' "$logf" | head -n 1))" >"$refused"
  fi
  info "$(cat "$refused") (remembered; SSCAN_CHECKERS_RETRY=1 asks again)"
  if [[ -n "${!archive_var:-}" ]]; then
    build_from_archive "$name" "$prefix" "$(cat "$refused")"
  else
    missing "$name" "$(cat "$refused")"
  fi
}

install_checkov() {
  local marker="$DIR/.complete-checkov" venv="$DIR/checkov" logf="$DIR/logs/checkov.log"
  prebuilt checkov CHECKOV && return 0
  log "installing checkov $CHECKOV_VERSION (venv + pip; log: $logf) ..."
  local t=$SECONDS
  rm -rf "$venv" "$DIR/.reports-checkov"
  progress_start checkers "installing checkov $CHECKOV_VERSION" "$logf"
  if ! { "${NICE[@]}" python3 -m venv "$venv" &&
         "${NICE[@]}" "$venv/bin/pip" install --disable-pip-version-check --no-input \
           "checkov==$CHECKOV_VERSION"; } >"$logf" 2>&1; then
    progress_stop
    tail -n 20 "$logf" >&2 || true
    die checkov "pip install checkov==$CHECKOV_VERSION failed after $((SECONDS - t))s; full log: $logf"
  fi
  progress_stop
  # The venv's entry point, linked where prebuilt() looks for cached tools.
  ln -sfn "$venv/bin/checkov" "$DIR/bin/checkov"
  [[ "$(reported_version checkov "$DIR/bin/checkov")" == "$CHECKOV_REPORTS" ]] ||
    die checkov "the installed checkov does not run or is not $CHECKOV_REPORTS; log: $logf"
  record_time checkov $((SECONDS - t)) "cold pip install"
  echo "pip install checkov==$CHECKOV_VERSION" >"$marker"
  provided checkov "$DIR/bin/checkov" "pip install checkov==$CHECKOV_VERSION" "$DIR/.reports-checkov"
  log "installed checkov $CHECKOV_VERSION in $((SECONDS - t))s"
}

schemas() {
  local logf="$DIR/logs/schemas.log"
  if [[ -f "$SCHEMAS/.complete" ]]; then info "kubeconform schemas $SCHEMA_K8S_VERSION: cached"; return 0; fi
  log "generating kubeconform schemas for Kubernetes $SCHEMA_K8S_VERSION (log: $logf) ..."
  local t=$SECONDS json dir swagger
  progress_start checkers "generating kubeconform schemas" "$logf"
  json="$("${NICE[@]}" go mod download -json "k8s.io/kubernetes@$SCHEMA_K8S_VERSION" 2>"$logf")" \
    || die schemas "go mod download k8s.io/kubernetes@$SCHEMA_K8S_VERSION failed; log: $logf"
  dir="$(node -e 'console.log(JSON.parse(process.argv[1]).Dir || "")' "$json")"
  swagger="$dir/api/openapi-spec/swagger.json"
  [[ -f "$swagger" ]] || die schemas "no OpenAPI document at $swagger"
  rm -rf "$SCHEMAS.partial"
  local crd_args=()
  local monitoring_crds
  monitoring_crds="$(bash "$ROOT/scripts/monitoring-tools.sh" crds 2>>"$logf")" \
    || die schemas "the Prometheus Operator CRDs could not be provided; log: $logf"
  for f in "$ROUTE_CRD" "$monitoring_crds"/*.yaml; do crd_args+=(--crd "$f"); done
  "${NICE[@]}" node "$ROOT/scripts/kubeconform-schemas.js" --swagger "$swagger" \
      --version "$SCHEMA_K8S_VERSION" --out "$SCHEMAS.partial" "${crd_args[@]}" >>"$logf" 2>&1 \
    || { tail -n 5 "$logf" >&2; die schemas "schema generation failed; log: $logf"; }
  progress_stop
  echo "from $swagger" >"$SCHEMAS.partial/.complete"
  rm -rf "$SCHEMAS"; mv "$SCHEMAS.partial" "$SCHEMAS"
  record_time schemas $((SECONDS - t)) "cold generation"
  log "generated $(find "$SCHEMAS/$SCHEMA_K8S_VERSION-standalone-strict" -name '*.json' | wc -l) schemas (+ non-strict variants) in $((SECONDS - t))s: $SCHEMAS"
}

# OpenShift's SCC admission (tools/openshift-scc), from scripts/openshift-scc.sh (its own cache key,
# so an edit of the command rebuilds it alone).
openshift_scc() {
  local out
  if out="$(bash "$ROOT/scripts/openshift-scc.sh")"; then
    SCC_MANIFESTS="$(sed -n 2p <<<"$out")"
    provided openshift-scc "$(sed -n 1p <<<"$out")" "scripts/openshift-scc.sh"
    info "openshift-scc: ${TOOL_PATH[openshift-scc]}"
  else
    SCC_MANIFESTS=""
    missing openshift-scc "scripts/openshift-scc.sh could not provide it (its error is above)"
  fi
}

go_tool kube-score KUBE_SCORE /cmd/kube-score
go_tool kubeconform KUBECONFORM /cmd/kubeconform
go_tool kube-linter KUBE_LINTER /cmd/kube-linter
go_tool polaris POLARIS ""
install_checkov
openshift_scc
if ((route_status == 0)); then
  schemas
else
  unset 'TOOL_PATH[kubeconform]'
  missing kubeconform "its schemas need OpenShift's Route CRD, which is missing (the message above says where it comes from)"
fi

# checkers.json: per checker the pinned version, the version a build of it reports ("expects"),
# the version the binary at hand reports, its path and where it came from; path null and the reason when it is unavailable (--allow-missing only).
json_string() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
entry() { # name pinned-version version-the-pinned-build-reports
  printf '%s:{"version":%s,"expects":%s,' "$(json_string "$1")" "$(json_string "$2")" "$(json_string "$3")"
  if [[ -n "${TOOL_PATH[$1]:-}" ]]; then
    printf '"reports":%s,"path":%s,"source":%s}' "$(json_string "${TOOL_REPORTS[$1]}")" \
      "$(json_string "${TOOL_PATH[$1]}")" "$(json_string "${TOOL_SOURCE[$1]}")"
  else
    printf '"reports":null,"path":null,"unavailable":%s}' "$(json_string "${TOOL_MISSING[$1]:-not installed}")"
  fi
}
{
  printf '{"dir":%s,"kubernetesVersion":%s,"schemas":%s,' "$(json_string "$DIR")" \
    "$(json_string "$SCHEMA_K8S_VERSION")" "$(json_string "$SCHEMAS")"
  entry kube-score "$KUBE_SCORE_VERSION" "$KUBE_SCORE_REPORTS"; printf ','
  entry kube-linter "$KUBE_LINTER_VERSION" "$KUBE_LINTER_REPORTS"; printf ','
  entry polaris "$POLARIS_VERSION" "$POLARIS_REPORTS"; printf ','
  entry kubeconform "$KUBECONFORM_VERSION" "$KUBECONFORM_REPORTS"; printf ','
  entry checkov "$CHECKOV_VERSION" "$CHECKOV_REPORTS"; printf ','
  entry openshift-scc "$OPENSHIFT_SCC_REPORTS" "$OPENSHIFT_SCC_REPORTS"
  printf ',"sccManifests":%s}\n' "$(json_string "$SCC_MANIFESTS")"
} >"$DIR/checkers.json.tmp"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$DIR/checkers.json.tmp" ||
  die checkers.json "wrote invalid JSON: $DIR/checkers.json.tmp"
mv "$DIR/checkers.json.tmp" "$DIR/checkers.json"
info "checkers ready in $DIR"
echo "$DIR"
