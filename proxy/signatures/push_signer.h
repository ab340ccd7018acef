// Signs images pushed through Portcullis: after a manifest PUT succeeded and
// the push-stage manifests allowed the image, the judge's caller asks the
// signer; it writes a cosign signature next to the image at the upstream,
// byte-identical to what containers/image writes (signing/sign.h):
// payload blob, config blob, then the OCI manifest at sha256-<hex>.sig. An
// existing .sig manifest gets the new layer appended (other signatures are
// kept); an identical signature already there is left alone.
//
// WIRING (daemon):
//   std::unique_ptr<signatures::PushSigner> signer;
//   if (config.signing && !config.signing->key.empty())            // throws at start-up
//     signer = std::make_unique<signatures::PushSigner>(*config.signing, pool,
//         upstream::FetchLimits{config.limits.max_manifest_bytes, config.limits.max_header_bytes,
//                               config.timeouts.header});
//   // after a successful manifest PUT of `digest` to `repository` on `upstream`:
//   if (signer && signer->applies_to(repository)) {
//     if (judgement.allowed()) {
//       auto outcome = co_await signer->sign(upstream, repository, digest,
//                                            upstream.config.name + "/" + repository);
//       // outcome.ok(); outcome.describe() for the log / event
//     } else { /* Warning header + event: not signed */ }
//   }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/daemon_config.h"
#include "policy/facts.h"
#include "policy/glob.h"
#include "proxy/net/asio.h"
#include "proxy/upstream/fetch.h"
#include "signing/keys.h"

namespace portcullis::proxy::registry {
struct UpstreamRuntime;
}

namespace portcullis::proxy::signatures {

struct SignOutcome {
  enum class Status {
    signed_now,      // a new signature was uploaded
    already_signed,  // this key's identical signature was already there
    not_applicable,  // the repository matches no signing pattern
    failed,          // the upstream refused or could not be reached: `error` says why
  };
  Status status = Status::failed;
  std::string signature_tag;              // sha256-<hex>.sig
  std::string signature_manifest_digest;  // of the .sig manifest now at the tag
  std::string payload_digest;
  std::string key_fingerprint;
  std::string docker_reference;
  std::string error;

  bool ok() const { return status == Status::signed_now || status == Status::already_signed; }
  // One line for logs, events and the CLI.
  std::string describe() const;
};

class PushSigner {
 public:
  // Loads the key (and its passphrase) and compiles the patterns; throws
  // std::runtime_error naming the config location on any problem, at start-up.
  PushSigner(const config::Signing& config, upstream::ConnectionPool& pool,
             upstream::FetchLimits limits = {});
  // For the CLI: a loaded key; empty patterns sign every repository.
  PushSigner(signing::PrivateKey key, std::vector<policy::Glob> repositories,
             upstream::ConnectionPool& pool, upstream::FetchLimits limits = {});

  bool applies_to(std::string_view repository) const;

  // The signature sign() would add, as a verified fact ("pending:push-signer"
  // source). Judging a push "as if signed" with it lets a manifest that says
  // signatures.required (with this key) allow, and so sign, an image that is
  // otherwise fine; a manifest that needs another key still refuses.
  policy::VerifiedSignature prospective_signature(std::string docker_reference) const;
  const signing::PublicKey& public_key() const { return key_.public_key(); }

  // `digest`: the pushed manifest; `docker_reference`: what the payload names
  // (critical.identity.docker-reference), "<registry>/<repository>".
  awaitable<SignOutcome> sign(registry::UpstreamRuntime& upstream, std::string repository,
                              std::string digest, std::string docker_reference);

 private:
  signing::PrivateKey key_;
  std::vector<policy::Glob> repositories_;
  bool all_repositories_ = false;
  upstream::ConnectionPool& pool_;
  upstream::FetchLimits limits_;
};

}  // namespace portcullis::proxy::signatures
