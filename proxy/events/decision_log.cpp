#include "proxy/events/decision_log.h"

namespace portcullis::proxy::events {

DecisionEvent event_for(const judge::Judgement& j, policy::Stage stage, std::string action) {
  DecisionEvent e;
  e.stage = stage;
  e.action = std::move(action);
  e.image = j.image;
  e.digest = j.digest;
  if (j.outcome != judge::Outcome::judged) {
    e.decision = j.verdict.allowed ? "error" : "deny";
    e.message = judge::denial_message(j);
  } else {
    e.decision = j.verdict.allowed ? "allow" : "deny";
    if (!j.verdict.allowed) e.message = judge::denial_message(j);
  }
  e.reasons = judge::reasons_json(j.verdict);
  return e;
}

void DecisionLog::record(const DecisionEvent& e) {
  if (!store_) return;
  const auto now = std::chrono::steady_clock::now();
  {
    const std::string key = e.action + "\n" + e.decision + "\n" + e.image + "\n" + e.namespace_name;
    std::lock_guard lock(mutex_);
    auto [it, inserted] = last_.try_emplace(key, now);
    if (!inserted) {
      if (now - it->second < window_) {
        ++suppressed_;
        return;
      }
      it->second = now;
    }
    if (last_.size() > 100'000) last_.clear();  // bounded; forgetting only allows one more record
  }
  nlohmann::json j{{"stage", std::string(policy::to_string(e.stage))},
                   {"action", e.action},
                   {"decision", e.decision},
                   {"image", e.image},
                   {"reasons", e.reasons}};
  if (!e.digest.empty()) j["digest"] = e.digest;
  if (!e.namespace_name.empty()) j["namespace"] = e.namespace_name;
  if (!e.message.empty()) j["message"] = e.message;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  auto appended =
      store_->append(ms, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (appended)
    ++recorded_;
  else
    ++failed_;
}

}  // namespace portcullis::proxy::events
