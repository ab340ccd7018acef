// Shared by the admission unit tests: a scripted in-process ImageJudge that
// records its calls and can be slow, judgement builders, fixture loading,
// and a runner that drives AdmissionHandler::answer() on its own thread.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "policy/image_reference.h"
#include "proxy/admission/admission_handler.h"
#include "proxy/judge/image_judge.h"
#include "tests/support/fs.h"

namespace portcullis::testing {

namespace asio = boost::asio;
using proxy::awaitable;
using proxy::judge::Judgement;
using proxy::judge::JudgeRequest;
using proxy::judge::Outcome;
using Json = nlohmann::json;

inline std::string fixture_text(const std::string& name) {
  return testsupport::read_file(std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fixtures/admission/" +
                                name);
}
inline Json fixture(const std::string& name) { return Json::parse(fixture_text(name)); }

// "registry/repository[:tag][@digest]" of a judge request.
inline std::string request_ref(const JudgeRequest& r) {
  std::string out = r.registry + "/" + r.repository;
  if (!r.tag.empty()) out += ":" + r.tag;
  if (!r.digest.empty()) out += "@" + r.digest;
  return out;
}

inline policy::Reason reason(std::string manifest, std::string rule, std::string message,
                             bool enforced = true) {
  return policy::Reason{std::move(manifest), std::move(rule), std::move(message), enforced};
}

inline Judgement allowed_judgement(const std::string& image, const std::string& digest = "",
                                   bool pin = false) {
  Judgement j;
  j.image = image;
  j.digest = digest;
  j.verdict.allowed = true;
  j.verdict.manifests = {"pci-production"};
  j.verdict.pin_digests = pin;
  j.verdict.failure_policy = policy::FailurePolicy::Fail;
  return j;
}

inline Judgement denied_judgement(const std::string& image, std::vector<policy::Reason> reasons) {
  Judgement j = allowed_judgement(image);
  j.verdict.allowed = false;
  j.verdict.reasons = std::move(reasons);
  return j;
}

// Answers from a script keyed by request_ref(); unscripted images are allowed
// with no manifest applying. `delay` makes it slow; with `honour_deadline` it
// returns timed_out at the deadline (as the real judge does), keeping the
// scripted verdict's manifests and failure policy (the reference-only verdict).
class FakeJudge : public proxy::judge::ImageJudge {
 public:
  struct Script {
    Judgement judgement;
    std::chrono::milliseconds delay{0};
    bool honour_deadline = true;
  };

  void script(const std::string& ref, Judgement judgement, std::chrono::milliseconds delay = {},
              bool honour_deadline = true) {
    std::lock_guard lock(mutex_);
    scripts_[ref] = Script{std::move(judgement), delay, honour_deadline};
  }

  awaitable<Judgement> judge(JudgeRequest request) override {
    Script s;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(request);
      if (auto it = scripts_.find(request_ref(request)); it != scripts_.end())
        s = it->second;
      else
        s.judgement.image = request_ref(request);
    }
    if (s.delay.count() > 0) {
      const auto now = std::chrono::steady_clock::now();
      auto until = now + s.delay;
      bool timed_out = false;
      if (s.honour_deadline && request.deadline && *request.deadline < until) {
        until = *request.deadline;
        timed_out = true;
      }
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_at(until);
      co_await timer.async_wait(proxy::nothrow_awaitable);
      if (timed_out) {
        Judgement t = s.judgement;
        t.outcome = Outcome::timed_out;
        t.error = "the deadline passed while the image was assessed";
        t.digest.clear();
        t.verdict.reasons.clear();
        t.verdict.allowed = true;
        co_return t;
      }
    }
    co_return s.judgement;
  }

  std::vector<JudgeRequest> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> call_refs() const {
    std::vector<std::string> out;
    for (const auto& c : calls()) out.push_back(request_ref(c));
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Script> scripts_;
  std::vector<JudgeRequest> calls_;
};

// Runs answer() on a single-threaded io_context (an implicit strand) of its
// own, so a judge left running past the deadline does not hold the test up.
class AnswerRunner {
 public:
  AnswerRunner() : guard_(asio::make_work_guard(ioc_)), thread_([this] { ioc_.run(); }) {}
  ~AnswerRunner() {
    guard_.reset();
    ioc_.stop();
    thread_.join();
  }

  proxy::admission::AdmissionAnswer answer(proxy::admission::AdmissionHandler& handler,
                                           std::string body, bool mutate = false) {
    std::promise<proxy::admission::AdmissionAnswer> promise;
    auto future = promise.get_future();
    asio::co_spawn(ioc_, handler.answer(std::move(body), mutate),
                   [&promise](std::exception_ptr e, proxy::admission::AdmissionAnswer a) {
                     if (e)
                       promise.set_exception(e);
                     else
                       promise.set_value(std::move(a));
                   });
    return future.get();
  }

 private:
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

inline std::string base64_decode(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int value = 0, bits = -8;
  for (char c : text) {
    if (c == '=') break;
    const auto at = alphabet.find(c);
    if (at == std::string::npos) return "<invalid base64>";
    value = (value << 6) + static_cast<int>(at);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

// The JSON Patch of a response applied to the review's object.
inline Json patched_object(const Json& review, const Json& response) {
  const auto patch = Json::parse(base64_decode(response["response"]["patch"].get<std::string>()));
  return review["request"]["object"].patch(patch);
}

}  // namespace portcullis::testing
