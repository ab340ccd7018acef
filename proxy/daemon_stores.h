// The daemon's LMDB stores under `store.path`, sized from `store.maxBytes`:
// facts 60 %, manifests 30 %, decision events 10 %. Shared by `serve` and the
// CLI commands that judge images the way the daemon does.
#pragma once

#include <memory>

#include "config/daemon_config.h"
#include "proxy/store/database.h"
#include "proxy/store/event_store.h"
#include "proxy/store/facts_store.h"
#include "proxy/store/manifest_store.h"

namespace portcullis::proxy {

struct DaemonStores {
  std::shared_ptr<store::Database> database;
  std::unique_ptr<store::FactsStore> facts;
  std::unique_ptr<store::ManifestStore> manifests;
  std::unique_ptr<store::EventStore> events;

  // Throws at start-up when the store cannot be opened.
  static DaemonStores open(const config::Store& config);
  // The same stores in memory (nothing survives the process).
  static DaemonStores in_memory();
};

}  // namespace portcullis::proxy
