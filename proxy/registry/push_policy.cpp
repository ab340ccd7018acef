#include "proxy/registry/push_policy.h"

#include "proxy/oci/route.h"

namespace portcullis::proxy::registry {
namespace {

awaitable<void> assess_in_background(judge::UpstreamImageJudge& judge, UpstreamRuntime& upstream,
                                     judge::JudgeRequest request) {
  co_await judge.judge_at(upstream, std::move(request));
}

}  // namespace

awaitable<std::vector<std::string>> PushPolicy::manifest_pushed(UpstreamRuntime& upstream, std::string repository,
                                                                std::string reference, std::string digest) {
  judge::JudgeRequest request;
  request.registry = upstream.config.name;
  request.repository = std::move(repository);
  request.digest = std::move(digest);
  request.stage = policy::Stage::Push;
  if (!oci::is_digest(reference)) request.tag = std::move(reference);
  else request.untagged_judged_on_repository = true;
  // Not awaited: the push is answered now, and the facts land in the cache shortly after.
  auto executor = co_await asio::this_coro::executor;
  auto work = assess_in_background(judge_, upstream, std::move(request));
  asio::co_spawn(executor, std::move(work), asio::detached);
  co_return std::vector<std::string>{};
}

}  // namespace portcullis::proxy::registry
