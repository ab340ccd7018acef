#include "proxy/store/result.h"

#include <stdexcept>

namespace portcullis::proxy::store {

std::string_view to_string(StoreErrc code) {
  switch (code) {
    case StoreErrc::not_found:
      return "not found";
    case StoreErrc::invalid_argument:
      return "invalid argument";
    case StoreErrc::digest_mismatch:
      return "digest mismatch";
    case StoreErrc::too_large:
      return "too large";
    case StoreErrc::corrupt:
      return "corrupt record";
    case StoreErrc::map_full:
      return "store full";
    case StoreErrc::io:
      return "store I/O error";
  }
  return "unknown store error";
}

void throw_exception_from_error(const StoreError& e, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(e.code)) + ": " + e.message);
}

}  // namespace portcullis::proxy::store
