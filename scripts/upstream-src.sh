# shellcheck shell=bash
# Sourced by the scripts that build a tool from a pinned upstream source archive (the module
# proxy does not serve it). Needs ROOT.
#
# The archives are in $SSCAN_UPSTREAM_SRC, else <repo>/../shared/upstream-src (where this
# repository's CI keeps them). Outside CI a clone usually has neither: each script then takes the
# tool from PATH or its *_BIN variable when it is installed, and otherwise exits with
# UNAVAILABLE_STATUS and a message naming what to install; the real lane skips a test on that
# status outside CI. In CI (CI set) the archives must be there and match their pins, even when
# the tool is cached or installed, so a lost or altered archive fails the run that would need it.
# shellcheck disable=SC2034 # read by the scripts that source this file
UPSTREAM_SRC="${SSCAN_UPSTREAM_SRC:-$ROOT/../shared/upstream-src}"
# shellcheck disable=SC2034
UNAVAILABLE_STATUS=3

in_ci() { [[ -n "${CI:-}" ]]; }
