#include "proxy/signatures/push_signer.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "proxy/registry/upstreams.h"
#include "proxy/signatures/registry_client.h"
#include "signing/digest.h"
#include "signing/discovery.h"
#include "signing/media_types.h"
#include "signing/payload.h"
#include "signing/sign.h"
#include "signing/strict_json.h"
#include "signing/verify.h"

namespace portcullis::proxy::signatures {
namespace {

signing::PrivateKey load_key(const config::Signing& c) {
  const std::string where = c.location.empty() ? std::string("signing") : c.location;
  std::optional<std::string> passphrase;
  if (!c.passphrase_file.empty()) {
    auto p = signing::read_passphrase_file(c.passphrase_file);
    if (!p) throw std::runtime_error(where + ": signing.passphraseFile: " + p.error().message);
    passphrase = std::move(*p);
  } else if (!c.passphrase_env.empty()) {
    auto p = signing::read_passphrase_env(c.passphrase_env);
    if (!p) throw std::runtime_error(where + ": signing.passphraseEnv: " + p.error().message);
    passphrase = std::move(*p);
  }
  auto key = signing::load_private_key_file(c.key, passphrase);
  if (!key) throw std::runtime_error(where + ": signing.key " + c.key + ": " + key.error().message);
  return std::move(*key);
}

std::vector<policy::Glob> compile_patterns(const config::Signing& c) {
  std::vector<policy::Glob> out;
  for (size_t i = 0; i < c.repositories.size(); ++i) {
    auto g = policy::Glob::compile(c.repositories[i], policy::GlobKind::Path);
    if (!g) {
      const std::string where =
          i < c.repository_locations.size() ? c.repository_locations[i] : c.location;
      throw std::runtime_error(where + ": signing.repositories \"" + c.repositories[i] +
                               "\": " + g.error());
    }
    out.push_back(std::move(*g));
  }
  return out;
}

// The config blob of an existing .sig manifest, so the append keeps it as
// containers/image does; nullopt when the manifest names none we can read
// (sign.h then rebuilds one from the layers).
awaitable<Result<std::optional<std::string>>> existing_config(RegistryClient& client,
                                                              const std::string& manifest) {
  auto parsed = signing::parse_strict_json(manifest, "signature manifest",
                                           signing::kMaxAttachmentDocumentBytes);
  if (!parsed) co_return std::optional<std::string>();  // build_signature_artifacts says why
  const nlohmann::json& doc = *parsed;
  if (!doc.is_object() || !doc.contains("config") || !doc["config"].is_object())
    co_return std::optional<std::string>();
  const auto& config = doc["config"];
  if (!config.contains("digest") || !config["digest"].is_string())
    co_return std::optional<std::string>();
  const std::string digest = config["digest"].get<std::string>();
  if (!signing::is_sha256_digest(digest)) co_return std::optional<std::string>();
  auto bytes = co_await client.blob(digest, signing::kMaxAttachmentDocumentBytes);
  if (!bytes && bytes.error().code == Errc::not_found) co_return std::optional<std::string>();
  if (!bytes) co_return bytes.error();
  co_return std::optional<std::string>(std::move(*bytes));
}

// True when `manifest` already holds a signature of exactly `payload` that
// `key` verifies: signing again would only add a second, equivalent layer
// (ECDSA signatures differ each time), e.g. when CI pushes one image under
// several tags.
bool already_signed_by(const std::string& manifest, const std::string& payload,
                       const std::string& digest, const signing::PublicKey& key) {
  auto parsed = signing::parse_signature_manifest(manifest);
  if (!parsed) return false;
  const std::string payload_digest = signing::sha256_digest(payload);
  for (const auto& layer : parsed->signatures) {
    if (layer.payload_digest != payload_digest) continue;
    if (signing::verify(payload, layer.signature_base64, key, digest).verified) return true;
  }
  return false;
}

SignOutcome failed(SignOutcome out, std::string why) {
  out.status = SignOutcome::Status::failed;
  out.error = std::move(why);
  return out;
}

}  // namespace

std::string SignOutcome::describe() const {
  switch (status) {
    case Status::signed_now:
      return "signed " + docker_reference + " as " + signature_tag + " (manifest " +
             signature_manifest_digest + ", key " + key_fingerprint + ")";
    case Status::already_signed:
      return "already signed: " + signature_tag + " holds this key's signature for " +
             docker_reference + " (key " + key_fingerprint + ")";
    case Status::not_applicable:
      return "not signed: " + docker_reference + " matches no signing.repositories pattern";
    case Status::failed:
      return "signing " + docker_reference + " failed: " + error;
  }
  return error;
}

PushSigner::PushSigner(const config::Signing& config, upstream::ConnectionPool& pool,
                       upstream::FetchLimits limits)
    : key_(load_key(config)),
      repositories_(compile_patterns(config)),
      pool_(pool),
      limits_(limits) {}

PushSigner::PushSigner(signing::PrivateKey key, std::vector<policy::Glob> repositories,
                       upstream::ConnectionPool& pool, upstream::FetchLimits limits)
    : key_(std::move(key)),
      repositories_(std::move(repositories)),
      all_repositories_(repositories_.empty()),
      pool_(pool),
      limits_(limits) {}

bool PushSigner::applies_to(std::string_view repository) const {
  if (all_repositories_) return true;
  for (const auto& g : repositories_)
    if (g.matches(repository)) return true;
  return false;
}

policy::VerifiedSignature PushSigner::prospective_signature(std::string docker_reference) const {
  return policy::VerifiedSignature{key_.public_key().fingerprint(), std::move(docker_reference),
                                   "pending:push-signer"};
}

awaitable<SignOutcome> PushSigner::sign(registry::UpstreamRuntime& upstream, std::string repository,
                                        std::string digest, std::string docker_reference) {
  SignOutcome out;
  out.docker_reference = docker_reference;
  out.key_fingerprint = key_.public_key().fingerprint();
  if (!applies_to(repository)) {
    out.status = SignOutcome::Status::not_applicable;
    co_return out;
  }
  auto tag = signing::signature_tag_for(digest);
  if (!tag) co_return failed(std::move(out), tag.error().message);
  out.signature_tag = *tag;

  RegistryClient client(pool_, upstream, repository,
                        upstream::repository_scope(repository, "pull,push"), limits_);
  auto existing = co_await client.manifest(*tag, signing::kMaxAttachmentDocumentBytes);
  if (!existing) co_return failed(std::move(out), existing.error().message);
  std::string existing_manifest;
  std::optional<std::string> config;
  if (*existing) {
    existing_manifest = std::move((*existing)->bytes);
    const std::string payload = signing::build_payload(docker_reference, digest);
    if (already_signed_by(existing_manifest, payload, digest, key_.public_key())) {
      out.status = SignOutcome::Status::already_signed;
      out.signature_manifest_digest = (*existing)->digest;
      out.payload_digest = signing::sha256_digest(payload);
      co_return out;
    }
    auto cfg = co_await existing_config(client, existing_manifest);
    if (!cfg) co_return failed(std::move(out), cfg.error().message);
    config = std::move(*cfg);
  }
  std::optional<std::string_view> config_view;
  if (config) config_view = *config;
  auto artifacts = signing::build_signature_artifacts(digest, docker_reference, key_,
                                                      existing_manifest, config_view);
  if (!artifacts) co_return failed(std::move(out), artifacts.error().message);
  out.payload_digest = artifacts->payload_digest;

  const std::string payload_digest = artifacts->payload_digest;
  auto payload = co_await client.upload_blob(payload_digest, artifacts->payload);
  if (!payload) co_return failed(std::move(out), payload.error().message);
  const std::string config_digest = artifacts->config_digest;
  auto config_blob = co_await client.upload_blob(config_digest, artifacts->config);
  if (!config_blob) co_return failed(std::move(out), config_blob.error().message);
  const std::string media_type(signing::kOciManifestMediaType);
  auto put = co_await client.put_manifest(*tag, media_type, artifacts->manifest);
  if (!put) co_return failed(std::move(out), put.error().message);
  out.signature_manifest_digest = *put;
  out.status = artifacts->already_present ? SignOutcome::Status::already_signed
                                          : SignOutcome::Status::signed_now;
  co_return out;
}

}  // namespace portcullis::proxy::signatures
