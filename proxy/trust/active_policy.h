// The Trust Manifests in force. Readers take a snapshot (a shared_ptr) per
// request; a reload builds a new set off to the side and swaps it in only if
// it is valid, so a broken edit never replaces a working policy.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "policy/manifest_set.h"

namespace portcullis::proxy::trust {

struct PolicyStatus {
  std::string revision;
  std::vector<std::string> manifests;  // names
  std::vector<std::string> files;
  std::string last_error;  // why the latest reload was refused; empty if it succeeded
  int64_t loaded_at = 0;   // unix seconds of the set in force
};

class ActivePolicy {
 public:
  // Loads at start-up; throws std::runtime_error listing every diagnostic.
  explicit ActivePolicy(std::vector<std::string> paths);

  std::shared_ptr<const policy::ManifestSet> current() const { return std::atomic_load(&set_); }

  // Re-reads every file. Returns true if a new set is in force; on errors the
  // previous set stays and last_error says why.
  bool reload();
  // Reloads if any manifest file (or the directory listing) changed since the last look.
  bool reload_if_changed();

  PolicyStatus status() const;

 private:
  std::map<std::string, std::filesystem::file_time_type> snapshot() const;

  std::vector<std::string> paths_;
  std::shared_ptr<const policy::ManifestSet> set_;
  mutable std::mutex mutex_;  // guards the fields below and serialises reloads
  std::vector<std::string> files_;
  std::map<std::string, std::filesystem::file_time_type> seen_;
  std::string last_error_;
  int64_t loaded_at_ = 0;
};

}  // namespace portcullis::proxy::trust
