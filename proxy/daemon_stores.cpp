#include "proxy/daemon_stores.h"

namespace portcullis::proxy {
namespace {

store::TableOptions table_options(std::string name, uint64_t cap_bytes) {
  store::TableOptions options;
  options.name = std::move(name);
  options.cap_bytes = cap_bytes;
  return options;
}

}  // namespace

DaemonStores DaemonStores::open(const config::Store& config) {
  DaemonStores s;
  s.database = store::Database::open({.path = config.path});
  s.facts = store::make_lmdb_facts_store(s.database, table_options("facts", config.max_bytes / 10 * 6));
  s.manifests = store::make_lmdb_manifest_store(s.database, table_options("manifests", config.max_bytes / 10 * 3));
  store::EventStoreOptions events;
  events.cap_bytes = config.max_bytes / 10;
  s.events = store::make_lmdb_event_store(s.database, events);
  return s;
}

DaemonStores DaemonStores::in_memory() {
  DaemonStores s;
  s.facts = store::make_memory_facts_store();
  s.manifests = store::make_memory_manifest_store();
  s.events = store::make_memory_event_store();
  return s;
}

}  // namespace portcullis::proxy
