#!/usr/bin/env bash
# Builds a tiny OCI image locally (no network) and pushes it to a registry.
# usage: seed-example-image.sh REGISTRY_HOST:PORT REPOSITORY:TAG
set -euo pipefail
registry="$1"; ref="$2"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/etc" "$work/layout/blobs/sha256"
printf 'Hello from an image that came through Portcullis.\n' > "$work/rootfs/etc/motd"
printf 'ID=portcullis-example\nVERSION_ID=1.0\n' > "$work/rootfs/etc/os-release"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
diff_id="sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
gzip -n -c "$work/layer.tar" > "$work/layer.tar.gz"
blob() { local d; d="$(sha256sum "$1" | cut -d' ' -f1)"; cp "$1" "$work/layout/blobs/sha256/$d"; echo "$d"; }
size() { stat -c %s "$1"; }
layer_digest="$(blob "$work/layer.tar.gz")"
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/cat","/etc/motd"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$diff_id" > "$work/config.json"
config_digest="$(blob "$work/config.json")"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$config_digest" "$(size "$work/config.json")" "$layer_digest" "$(size "$work/layer.tar.gz")" > "$work/manifest.json"
manifest_digest="$(blob "$work/manifest.json")"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"seed"}}]}' \
  "$manifest_digest" "$(size "$work/manifest.json")" > "$work/layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$work/layout/oci-layout"
HOME="$work" skopeo copy --quiet --dest-tls-verify=false "oci:$work/layout:seed" "docker://$registry/$ref"
echo "sha256:$manifest_digest"
