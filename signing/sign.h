// Signing and the signature attachment layout. Output is byte-identical to
// what containers/image (skopeo/podman with use-sigstore-attachments) writes,
// so a signature we push and one skopeo carries over have the same digests:
//  - payload blob: the simple-signing JSON (build_payload), layer media type
//    application/vnd.dev.cosign.simplesigning.v1+json, annotation
//    dev.cosignproject.cosign/signature = base64 signature;
//  - config blob (application/vnd.oci.image.config.v1+json), fresh:
//    {"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[<payload
//    digests>]}}
//  - manifest (application/vnd.oci.image.manifest.v1+json), fresh:
//    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
//     "config":{"mediaType":…,"digest":…,"size":…},"layers":[{"mediaType":…,"digest":…,
//     "size":…,"annotations":{…}}]}
//  All compact Go encoding/json: struct field order, sorted annotation keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "signing/keys.h"
#include "signing/result.h"

namespace portcullis::signing {

// Signs payload and returns the base64 signature, as cosign does: ECDSA
// (any curve) DER over SHA-256; RSA PKCS#1 v1.5 SHA-256; RSA-PSS keys PSS
// SHA-256 (salt = digest length); Ed25519 pure.
Result<std::string> sign(std::string_view payload, const PrivateKey& key);

// What to upload, in order: payload blob, config blob, then the manifest
// PUT to tag (Content-Type application/vnd.oci.image.manifest.v1+json).
struct SignatureArtifacts {
  std::string tag;  // sha256-<hex>.sig
  std::string payload;
  std::string payload_digest;
  std::string signature_base64;
  std::string config;
  std::string config_digest;
  std::string manifest;
  std::string manifest_digest;
  // An identical signature layer (same payload and annotations) was already
  // in the existing manifest, so no layer was added (containers/image dedup).
  bool already_present = false;
};

// Limit on the existing manifest and config documents we append to
// (containers/image's MaxManifestBodySize / MaxConfigBodySize).
inline constexpr size_t kMaxAttachmentDocumentBytes = 4 * 1024 * 1024;

// Adds one signature to the signature manifest for manifest_digest.
// existing_manifest: the current .sig manifest bytes, or empty if the tag does
// not exist yet. existing_config: that manifest's config blob; containers/image
// appends to it (keeping its fields), so pass it for byte-compatibility. When
// it is nullopt but a manifest exists, a containers/image-style config is
// rebuilt from the manifest's layers.
Result<SignatureArtifacts> attach_signature(
    std::string_view manifest_digest, std::string_view payload, std::string_view signature_base64,
    std::string_view existing_manifest = {},
    std::optional<std::string_view> existing_config = std::nullopt);

// build_payload + sign + attach_signature.
Result<SignatureArtifacts> build_signature_artifacts(
    std::string_view manifest_digest, std::string_view docker_reference, const PrivateKey& key,
    std::string_view existing_manifest = {},
    std::optional<std::string_view> existing_config = std::nullopt);

}  // namespace portcullis::signing
