// POST /admission/validate and /admission/mutate: the deploy-time webhook.
// Reads the AdmissionReview, asks the ImageJudge about every distinct image
// of the pod spec at once (each on its own coroutine, all bounded by the
// admission deadline), and answers in the review's own apiVersion. validate
// enforces the manifests; mutate only pins digests (see decision.h).
//
// The exchange's executor must be a strand (the server's sessions are): the
// per-image coroutines and the waiting review share their state without locks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "config/daemon_config.h"
#include "proxy/admission/review.h"
#include "proxy/http/exchange.h"
#include "proxy/judge/image_judge.h"

namespace portcullis::proxy::admission {

struct AdmissionStats {
  std::atomic<uint64_t> reviews{0};  // reviews answered (any outcome, malformed included)
  std::atomic<uint64_t> allowed{0};
  std::atomic<uint64_t> denied{0};
  std::atomic<uint64_t> without_lookups{0};  // exempt namespace, other operation, no changed image
  std::atomic<uint64_t> malformed{0};        // 400: the review could not be read
  std::atomic<uint64_t> judge_calls{0};
  std::atomic<uint64_t> deadline_misses{0};  // images the judge had not answered at the deadline
  std::atomic<uint64_t> pinned{0};           // containers pinned to a digest by a patch

  // Prometheus text lines: portcullis_admission_reviews_total{result="allowed"} ...
  std::string prometheus_text() const;
};

struct AdmissionOptions {
  ReviewLimits limits{};
  // The judge honours the deadline itself; this backstop only bounds a judge that does not.
  std::chrono::milliseconds grace{100};
};

// The answer to one review, before HTTP: status 200 with an AdmissionReview,
// or 400 with a Status body.
struct AdmissionAnswer {
  unsigned status = 200;
  std::string body;
  std::string decision;  // for the access log: "allow", "deny", "exempt", "malformed"
};

class AdmissionHandler : public Handler {
 public:
  AdmissionHandler(judge::ImageJudge& judge, const config::DaemonConfig& config,
                   AdmissionOptions options = {});

  awaitable<void> handle(Exchange& ex) override;

  // The review logic without HTTP (runs on the calling coroutine's executor).
  awaitable<AdmissionAnswer> answer(std::string body, bool mutate);

  const AdmissionStats& stats() const { return stats_; }

 private:
  judge::ImageJudge& judge_;
  config::Admission config_;
  AdmissionOptions options_;
  AdmissionStats stats_;
};

}  // namespace portcullis::proxy::admission
