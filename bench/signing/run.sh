#!/usr/bin/env bash
# Signature benchmarks, in one run on one machine:
#  1. signing_bench: verifications per CPU-second per key type (ECDSA P-256/P-384, RSA-2048,
#     Ed25519), next to `openssl speed` for the same algorithms, with ratios;
#  2. signature_source_bench: the cold signature assessment through Portcullis's source
#     (discovery + payload fetch + verification) against the same GETs made directly to a
#     local docker-registry, and the warm call (one HEAD) against a direct HEAD.
#
# usage: bench/signing/run.sh [BUILD_DIR] [--seconds N] [--images N] [--rounds R]
#   BUILD_DIR  default: build under the repo root
# Needs: openssl, docker-registry.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$repo/build"
bench_args=()
source_args=()
while (($#)); do
  case "$1" in
    --seconds) bench_args+=(--seconds "$2"); shift ;;
    --images | --rounds) source_args+=("$1" "$2"); shift ;;
    -h | --help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) build="$1" ;;
  esac
  shift
done
for exe in signing_bench signature_source_bench; do
  [[ -x "$build/bench/signing/$exe" ]] || { echo "missing $build/bench/signing/$exe (build it first)" >&2; exit 2; }
done
echo "== verification throughput vs openssl speed"
"$build/bench/signing/signing_bench" "${bench_args[@]}"
echo
echo "== cold and warm signature assessment vs direct requests"
"$build/bench/signing/signature_source_bench" "${source_args[@]}"
