// Every decision worth a dashboard, as an event in the store: denials at
// pull, push and deploy time, push outcomes (signed or not, and why), and
// what deploy time admitted (the drift report compares it with the policy
// in force). One JSON object per event. Repeats of the same decision about
// the same image within `dedupe_window` are counted, not stored again, so a
// node retrying a denied pull cannot flood the store.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "proxy/judge/image_judge.h"
#include "proxy/store/event_store.h"

namespace portcullis::proxy::events {

struct DecisionEvent {
  policy::Stage stage = policy::Stage::Pull;
  std::string action;    // "pull", "push", "sign", "admit"
  std::string decision;  // "allow", "deny", "error", "signed", "not-signed"
  std::string image;
  std::string digest;
  std::string namespace_name;
  std::string message;  // the denial or failure text
  nlohmann::json reasons = nlohmann::json::array();
};

// The event for a judgement: decision allow/deny/error, its reasons and message.
DecisionEvent event_for(const judge::Judgement& judgement, policy::Stage stage, std::string action);

class DecisionLog {
 public:
  explicit DecisionLog(store::EventAppender* store,
                       std::chrono::seconds dedupe_window = std::chrono::seconds(60))
      : store_(store), window_(dedupe_window) {}

  // Never throws; a store failure is counted, the request goes on.
  void record(const DecisionEvent& event);

  uint64_t recorded() const { return recorded_; }
  uint64_t suppressed() const { return suppressed_; }
  uint64_t failed() const { return failed_; }

 private:
  store::EventAppender* store_;  // null: events are off
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_;
  std::atomic<uint64_t> recorded_{0}, suppressed_{0}, failed_{0};
};

}  // namespace portcullis::proxy::events
