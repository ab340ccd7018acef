#pragma once
// Expected-style results for the store: data-path calls never throw.

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace portcullis::proxy::store {

enum class StoreErrc {
  not_found = 1,     // no entry under that key (a cache miss)
  invalid_argument,  // malformed digest, key too long, empty media type, ...
  digest_mismatch,   // bytes do not hash to the digest they were stored under
  too_large,         // one value larger than the store's cap or a hard limit
  corrupt,           // a stored record failed to decode (it has been erased)
  map_full,          // the LMDB map stayed full after evicting
  io,                // any other LMDB error
};

std::string_view to_string(StoreErrc code);

struct StoreError {
  StoreErrc code;
  std::string message;
};

template <class T>
using Result = boost::system::result<T, StoreError>;

inline bool is_not_found(const StoreError& e) { return e.code == StoreErrc::not_found; }

// Found by ADL when someone calls .value() on a failed Result; throws std::runtime_error.
[[noreturn]] void throw_exception_from_error(const StoreError& e,
                                             const boost::source_location& loc);

}  // namespace portcullis::proxy::store
