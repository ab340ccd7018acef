#!/bin/sh
# Writes a cosign signature the way cosign's specs/SIGNATURE_SPEC.md documents
# it, with nothing but the openssl CLI: the simple-signing payload, its
# signature (base64 in the layer annotation), the config and the OCI image
# manifest stored at the sha256-<hex>.sig tag. Independent of Portcullis code.
#
# usage: make_cosign_signature.sh KEY MANIFEST_DIGEST DOCKER_REFERENCE OUTDIR [ed25519]
set -eu
key=$1 digest=$2 ref=$3 out=$4 mode=${5:-ecdsa-or-rsa}
mkdir -p "$out"

printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
  "$ref" "$digest" >"$out/payload.json"

if [ "$mode" = ed25519 ]; then
  openssl pkeyutl -sign -rawin -inkey "$key" -in "$out/payload.json" -out "$out/signature.bin"
else
  openssl dgst -sha256 -sign "$key" -out "$out/signature.bin" "$out/payload.json"
fi
openssl base64 -A -in "$out/signature.bin" >"$out/signature.b64"

size() { wc -c <"$1" | tr -d ' '; }
sha() { echo "sha256:$(sha256sum "$1" | cut -c1-64)"; }

printf '{"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$(sha "$out/payload.json")" >"$out/config.json"

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%s,"digest":"%s"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":%s,"digest":"%s","annotations":{"dev.cosignproject.cosign/signature":"%s"}}]}' \
  "$(size "$out/config.json")" "$(sha "$out/config.json")" \
  "$(size "$out/payload.json")" "$(sha "$out/payload.json")" \
  "$(cat "$out/signature.b64")" >"$out/manifest.json"

echo "sha256-${digest#sha256:}.sig" >"$out/tag"
