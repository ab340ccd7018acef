#include "signing/sign.h"

#include <openssl/rsa.h>

#include "signing/base64.h"
#include "signing/digest.h"
#include "signing/discovery.h"
#include "signing/media_types.h"
#include "signing/oci_model.h"
#include "signing/ossl.h"
#include "signing/payload.h"
#include "signing/strict_json.h"

namespace portcullis::signing {
namespace {

oci::Descriptor blob_descriptor(std::string_view media_type, std::string_view blob) {
  oci::Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = sha256_digest(blob);
  d.size = static_cast<int64_t>(blob.size());
  return d;
}

bool same_signature(const oci::Descriptor& a, const oci::Descriptor& b) {
  return a.media_type == b.media_type && a.size == b.size && a.digest == b.digest &&
         a.annotations == b.annotations;
}

Result<oci::Manifest> existing_or_new_manifest(std::string_view existing) {
  if (existing.empty()) {
    oci::Manifest m;
    m.media_type = std::string(kOciManifestMediaType);
    return m;
  }
  auto doc =
      parse_strict_json(existing, "existing signature manifest", kMaxAttachmentDocumentBytes);
  if (!doc) return doc.error();
  auto m = oci::parse_manifest(*doc);
  if (!m) return fail("existing signature manifest: " + m.error().message);
  if (!m->media_type.empty() && m->media_type != kOciManifestMediaType) {
    return fail("existing signature manifest has mediaType " + m->media_type + ", expected " +
                std::string(kOciManifestMediaType));
  }
  return m;
}

Result<oci::Image> existing_or_new_config(const oci::Manifest& m, bool manifest_existed,
                                          std::optional<std::string_view> existing_config) {
  if (existing_config) {
    auto doc = parse_strict_json(*existing_config, "existing signature config",
                                 kMaxAttachmentDocumentBytes);
    if (!doc) return doc.error();
    auto img = oci::parse_image(*doc);
    if (!img) return fail("existing signature config: " + img.error().message);
    return img;
  }
  oci::Image img;
  img.rootfs_type = "layers";
  if (manifest_existed) {
    img.diff_ids.emplace();
    for (const auto& layer : m.layers) img.diff_ids->push_back(layer.digest);
  }
  return img;
}

}  // namespace

Result<std::string> sign(std::string_view payload, const PrivateKey& key) {
  const EVP_MD* md = key.type() == KeyType::Ed25519 ? nullptr : EVP_sha256();
  ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.get()) != 1) {
    return fail("cannot start signing: " + ossl::last_error());
  }
  if (key.type() == KeyType::Rsa && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return fail("cannot select PKCS#1 v1.5 padding: " + ossl::last_error());
  }
  if (key.type() == KeyType::RsaPss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return fail("cannot select PSS padding: " + ossl::last_error());
  }
  const auto* data = reinterpret_cast<const unsigned char*>(payload.data());
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, payload.size()) != 1) {
    return fail("cannot size signature: " + ossl::last_error());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     payload.size()) != 1) {
    return fail("signing failed: " + ossl::last_error());
  }
  sig.resize(len);
  return base64_encode(sig);
}

Result<SignatureArtifacts> attach_signature(std::string_view manifest_digest,
                                            std::string_view payload,
                                            std::string_view signature_base64,
                                            std::string_view existing_manifest,
                                            std::optional<std::string_view> existing_config) {
  auto tag = signature_tag_for(manifest_digest);
  if (!tag) return tag.error();
  auto manifest = existing_or_new_manifest(existing_manifest);
  if (!manifest) return manifest.error();
  auto image = existing_or_new_config(*manifest, !existing_manifest.empty(), existing_config);
  if (!image) return image.error();

  SignatureArtifacts out;
  out.tag = std::move(*tag);
  out.payload = std::string(payload);
  out.payload_digest = sha256_digest(payload);
  out.signature_base64 = std::string(signature_base64);

  oci::Descriptor layer = blob_descriptor(kSimpleSigningMediaType, payload);
  layer.annotations[std::string(kSignatureAnnotation)] = out.signature_base64;
  for (const auto& existing : manifest->layers) {
    out.already_present = out.already_present || same_signature(existing, layer);
  }
  if (!out.already_present) {
    manifest->layers.push_back(std::move(layer));
    if (!image->diff_ids) image->diff_ids.emplace();
    image->diff_ids->push_back(out.payload_digest);
  }

  out.config = oci::serialize(*image);
  out.config_digest = sha256_digest(out.config);
  // containers/image replaces the config descriptor wholesale.
  manifest->config = blob_descriptor(kOciConfigMediaType, out.config);
  out.manifest = oci::serialize(*manifest);
  out.manifest_digest = sha256_digest(out.manifest);
  return out;
}

Result<SignatureArtifacts> build_signature_artifacts(
    std::string_view manifest_digest, std::string_view docker_reference, const PrivateKey& key,
    std::string_view existing_manifest, std::optional<std::string_view> existing_config) {
  auto tag = signature_tag_for(manifest_digest);
  if (!tag) return tag.error();
  std::string payload = build_payload(docker_reference, manifest_digest);
  auto sig = sign(payload, key);
  if (!sig) return sig.error();
  return attach_signature(manifest_digest, payload, *sig, existing_manifest, existing_config);
}

}  // namespace portcullis::signing
