#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Portcullis:
# installs dependencies, builds, starts a local docker-registry upstream on
# 127.0.0.1:5001 with an example image in it, and runs Portcullis on
# 127.0.0.1:5000 with config/examples/portcullis.yaml and the example Trust
# Manifests. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh

state=/tmp/portcullis-quickstart
mkdir -p "$state/registry"
cat > "$state/registry.yml" <<YAML
version: 0.1
storage:
  filesystem: {rootdirectory: $state/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:5001
YAML
docker-registry serve "$state/registry.yml" > "$state/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fsS http://127.0.0.1:5001/v2/ >/dev/null 2>&1 && break; sleep 0.1; done
digest="$(./scripts/seed-example-image.sh 127.0.0.1:5001 apps/hello:1.0)"

cat <<MSG

Upstream docker-registry: http://127.0.0.1:5001 (holds apps/hello:1.0, $digest)
Portcullis:               http://127.0.0.1:5000 (config/examples/portcullis.yaml)

Pull through it, in another terminal:
  skopeo inspect --tls-verify=false docker://127.0.0.1:5000/registry.corp.example/apps/hello:1.0
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://127.0.0.1:5000/v2/apps/hello/manifests/1.0
  curl -s http://127.0.0.1:5000/v2/quay.io/org/app/manifests/latest   # refused: not an approved registry

MSG
./build/proxy/portcullis serve --config config/examples/portcullis.yaml
