#!/usr/bin/env bash
# Installs every dependency (Debian 12), builds, and runs ALL the tests:
# unit tests and end-to-end tests against real docker-registry, skopeo, podman and containerd.
# Needs root (or sudo) for apt-get, podman and containerd.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd "${BUILD_DIR:-build}"
# One test at a time per core; e2e tests start their own peers on free loopback ports.
ctest --output-on-failure --timeout 900 -j"$(nproc)" "$@"
