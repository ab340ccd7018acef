#!/usr/bin/env bash
# Installs every Debian 12 package Portcullis needs to build, test and benchmark.
# Idempotent; safe to run on a fresh machine or CI (needs root or sudo).
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git
  libboost1.81-dev libboost-url1.81-dev
  libssl-dev nlohmann-json3-dev libyaml-cpp-dev libarchive-dev liblmdb-dev
  libisal-dev libzstd-dev libcrypt-dev
  libgtest-dev libgmock-dev
)
PEER_PKGS=(
  docker-registry skopeo podman containerd nginx-light wrk
  openssl ca-certificates apache2-utils zstd isal libarchive-tools
  debootstrap uidmap iptables fuse-overlayfs
)
TOOL_PKGS=(clang-format hyperfine curl)

want=()
for p in "${BUILD_PKGS[@]}" "${PEER_PKGS[@]}" "${TOOL_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || want+=("$p")
done
if [ "${#want[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  # Boost 1.74 and 1.81 headers conflict; we build against 1.81 only.
  $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
fi
