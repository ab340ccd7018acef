#include "proxy/admission/judge_all.h"

#include <exception>
#include <memory>

namespace portcullis::proxy::admission {

namespace {

using judge::Judgement;

// Shared by the waiting review and its per-image coroutines, which may outlive
// it (a judge past the deadline). Only touched on the one strand.
struct Gather {
  explicit Gather(asio::any_io_executor executor, size_t images)
      : timer(std::move(executor)), results(images) {}
  asio::steady_timer timer;  // expires at the backstop; cancelled when the last answer arrives
  std::vector<std::optional<Judgement>> results;
  size_t pending = 0;
};

awaitable<void> judge_one(judge::ImageJudge& judge, std::shared_ptr<Gather> gather, size_t index,
                          judge::JudgeRequest request) {
  Judgement judgement;
  try {
    // (Named local, then co_await: GCC 12 mishandles temporaries inside co_await.)
    auto call = judge.judge(std::move(request));
    judgement = co_await std::move(call);
  } catch (
      const std::exception& e) {  // the judge promises not to throw; never take the daemon down
    judgement = Judgement{};
    judgement.outcome = judge::Outcome::unavailable;
    judgement.error = std::string("the judge failed: ") + e.what();
    judgement.verdict.failure_policy = policy::FailurePolicy::Fail;
  }
  gather->results[index] = std::move(judgement);
  if (--gather->pending == 0) gather->timer.cancel();
}

}  // namespace

awaitable<JudgeAllResult> judge_all(judge::ImageJudge& judge, const ReviewPlan& plan,
                                    std::optional<std::string> namespace_name,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::chrono::milliseconds budget,
                                    std::chrono::milliseconds grace) {
  auto executor = co_await asio::this_coro::executor;
  auto gather = std::make_shared<Gather>(executor, plan.images.size());
  JudgeAllResult out;
  for (const auto& image : plan.images)
    if (image.reference) ++gather->pending;
  out.calls = gather->pending;
  // Armed before any coroutine runs, so an answer that arrives at once cannot be missed.
  gather->timer.expires_at(deadline + grace);
  for (size_t i = 0; i < plan.images.size(); ++i) {
    const auto& image = plan.images[i];
    if (!image.reference) continue;
    auto request = judge_request(*image.reference, namespace_name, deadline);
    asio::co_spawn(executor, judge_one(judge, gather, i, std::move(request)), asio::detached);
  }
  if (gather->pending > 0) {
    auto [ec] = co_await gather->timer.async_wait(nothrow_awaitable);
    (void)ec;  // operation_aborted: all answered; success: the backstop fired
  }
  out.judgements.reserve(plan.images.size());
  for (size_t i = 0; i < plan.images.size(); ++i) {
    const auto& image = plan.images[i];
    if (!image.reference) {
      out.judgements.push_back(invalid_reference(image));
    } else if (gather->results[i]) {
      auto& j = *gather->results[i];
      if (j.image.empty()) j.image = image.reference->to_string();
      out.judgements.push_back(std::move(j));
    } else {
      ++out.missed;
      out.judgements.push_back(missed_deadline(image, budget));
    }
  }
  co_return out;
}

}  // namespace portcullis::proxy::admission
