// Asks the judge about every planned image at once: one coroutine per image
// on the caller's executor (a strand), all awaited together, bounded by the
// deadline plus a grace period. An image without an answer by then gets a
// fail-closed timed_out judgement; its judge call keeps running and fills the
// caches for the next review.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "proxy/admission/decision.h"
#include "proxy/judge/image_judge.h"
#include "proxy/net/asio.h"

namespace portcullis::proxy::admission {

struct JudgeAllResult {
  std::vector<judge::Judgement> judgements;  // one per plan.images, in order
  size_t calls = 0;                          // judge calls made
  size_t missed = 0;                         // images without an answer at deadline + grace
};

awaitable<JudgeAllResult> judge_all(judge::ImageJudge& judge, const ReviewPlan& plan,
                                    std::optional<std::string> namespace_name,
                                    std::chrono::steady_clock::time_point deadline,
                                    std::chrono::milliseconds budget,
                                    std::chrono::milliseconds grace);

}  // namespace portcullis::proxy::admission
