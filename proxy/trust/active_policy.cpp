#include "proxy/trust/active_policy.h"

#include <iostream>
#include <stdexcept>

#include "policy/verdict_format.h"
#include "proxy/trust/manifest_files.h"

namespace portcullis::proxy::trust {
namespace {

namespace fs = std::filesystem;

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ActivePolicy::ActivePolicy(std::vector<std::string> paths) : paths_(std::move(paths)) {
  auto loaded = load_manifest_files(paths_);
  if (!loaded.set) throw std::runtime_error("invalid Trust Manifests:\n" + policy::to_text(loaded.diagnostics));
  set_ = loaded.set;
  files_ = loaded.files;
  seen_ = snapshot();
  loaded_at_ = unix_now();
  std::cerr << "portcullis: policy revision " << set_->revision() << " (" << set_->manifests().size()
            << " manifests)\n";
}

std::map<std::string, fs::file_time_type> ActivePolicy::snapshot() const {
  std::map<std::string, fs::file_time_type> out;
  for (const auto& p : paths_) {
    std::error_code ec;
    out[p] = fs::last_write_time(p, ec);  // a directory's time changes when files come or go
    if (fs::is_directory(p, ec))
      for (const auto& e : fs::directory_iterator(p, ec)) out[e.path().string()] = e.last_write_time(ec);
  }
  return out;
}

bool ActivePolicy::reload() {
  std::lock_guard lock(mutex_);
  seen_ = snapshot();
  auto loaded = load_manifest_files(paths_);
  if (!loaded.set) {
    last_error_ = policy::to_text(loaded.diagnostics);
    std::cerr << "portcullis: policy reload refused, keeping revision " << current()->revision() << ":\n"
              << last_error_;
    return false;
  }
  last_error_.clear();
  files_ = loaded.files;
  loaded_at_ = unix_now();
  std::atomic_store(&set_, loaded.set);
  std::cerr << "portcullis: policy revision " << loaded.set->revision() << " in force ("
            << loaded.set->manifests().size() << " manifests)\n";
  return true;
}

bool ActivePolicy::reload_if_changed() {
  {
    std::lock_guard lock(mutex_);
    if (snapshot() == seen_) return false;
  }
  return reload();
}

PolicyStatus ActivePolicy::status() const {
  std::lock_guard lock(mutex_);
  PolicyStatus s;
  auto set = current();
  s.revision = set->revision();
  for (const auto& m : set->manifests()) s.manifests.push_back(m.name);
  s.files = files_;
  s.last_error = last_error_;
  s.loaded_at = loaded_at_;
  return s;
}

}  // namespace portcullis::proxy::trust
