// The daemon's ImageJudge: reference rules first (a denial there asks no
// upstream), then tag -> digest at the upstream, the content assessment
// through the Assessor (facts cache, one run per digest), signature facts
// when a manifest needs them, and the full evaluation.
//
// Indexes: at pull time an index is judged on its reference alone and each
// child when a client asks for it. At push and deploy time, where nobody will
// ask for the children, every platform child is judged and the index is
// denied if any child is.
// Artifacts (manifests without filesystem layers, such as cosign signature
// manifests) are judged on their reference alone: they have no content.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "policy/facts_index.h"
#include "proxy/assessment/assessor.h"
#include "proxy/judge/image_judge.h"
#include "proxy/judge/signature_source.h"
#include "proxy/judge/tag_resolver.h"
#include "proxy/registry/upstreams.h"
#include "proxy/trust/active_policy.h"

namespace portcullis::proxy::judge {

struct JudgeOptions {
  TagResolverOptions tags{};
  size_t max_index_children = 16;     // judged at push/deploy time; more is a denial
  size_t prepared_facts_cache = 256;  // facts + index kept decoded per digest
};

class UpstreamImageJudge final : public ImageJudge {
 public:
  UpstreamImageJudge(trust::ActivePolicy& policy, std::string cluster,
                     registry::Upstreams& upstreams, assessment::Assessor& assessor,
                     asio::any_io_executor io, JudgeOptions options = {});

  // Signature facts come from here once set (before serving).
  void set_signature_source(SignatureSource* source) { signatures_ = source; }

  // Finds the upstream by request.registry (a configured upstream name or alias).
  awaitable<Judgement> judge(JudgeRequest request) override;
  // The proxy path: the upstream is already resolved by addressing.
  awaitable<Judgement> judge_at(registry::UpstreamRuntime& upstream, JudgeRequest request);

  assessment::Assessor& assessor() { return assessor_; }

 private:
  struct Prepared;
  awaitable<Judgement> judge_digest(registry::UpstreamRuntime& up, const JudgeRequest& request,
                                    policy::ImageReference image, Judgement out);
  awaitable<void> judge_children(registry::UpstreamRuntime& up, const JudgeRequest& request,
                                 const policy::ImageReference& image, Judgement& out);
  std::shared_ptr<assessment::RegistryReader> reader(registry::UpstreamRuntime& up);
  std::shared_ptr<const policy::PreparedFacts> prepared(
      const assessment::AssessmentPtr& a, const std::optional<policy::SignatureFacts>& sigs);
  policy::EvaluationRequest base_request(const JudgeRequest& request,
                                         const policy::ImageReference& image) const;

  trust::ActivePolicy& policy_;
  std::string cluster_;
  registry::Upstreams& upstreams_;
  assessment::Assessor& assessor_;
  asio::any_io_executor io_;
  JudgeOptions options_;
  TagResolver tags_;
  SignatureSource* signatures_ = nullptr;

  std::mutex mutex_;
  std::vector<std::shared_ptr<assessment::RegistryReader>> readers_;  // per upstream index
  std::list<std::pair<std::string, std::shared_ptr<const policy::PreparedFacts>>> prepared_;
  std::unordered_map<std::string, decltype(prepared_)::iterator> prepared_index_;
};

// True for the media types of filesystem layers (tar, gzip, zstd; OCI and Docker).
bool is_filesystem_layer(std::string_view media_type);
// An image manifest without filesystem layers (a signature, an SBOM, ...).
bool is_artifact(const assessment::Assessment& assessment);

}  // namespace portcullis::proxy::judge
