// Media types, annotation keys and constants of the cosign signature layout
// (cosign specs/SIGNATURE_SPEC.md; containers/image docker_image_dest.go).
#pragma once

#include <string_view>

namespace portcullis::signing {

// Layer media type of a simple-signing payload inside a signature manifest.
inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
// Layer annotation holding the base64 signature over that layer's payload.
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
// critical.type of every cosign payload.
inline constexpr std::string_view kCosignSignatureType = "cosign container image signature";
// artifactType of cosign signatures stored as OCI 1.1 referrers.
inline constexpr std::string_view kCosignSignatureArtifactType =
    "application/vnd.dev.cosign.artifact.sig.v1+json";

inline constexpr std::string_view kOciManifestMediaType =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndexMediaType = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfigMediaType = "application/vnd.oci.image.config.v1+json";

}  // namespace portcullis::signing
