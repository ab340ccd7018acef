#include "proxy/store/event_store.h"

namespace portcullis::proxy::store {

Result<void> check_event(const EventStoreOptions& options, std::string_view bytes) {
  const std::uint64_t cost = kEventKeyBytes + bytes.size();
  if (bytes.size() > kMaxEventBytes || cost > options.cap_bytes) {
    return StoreError{
        StoreErrc::too_large,
        options.name + ": event of " + std::to_string(bytes.size()) + " bytes exceeds the limit"};
  }
  return {};
}

}  // namespace portcullis::proxy::store
