// Error type for every scanner data path: a human-readable message that names
// the layer and the rule it broke. No exceptions on data paths.
#pragma once

#include <stdexcept>
#include <string>

#include <boost/system/result.hpp>

namespace portcullis::scanner {

struct ScanError {
  // Not constructible from a string, so Result<std::string> stays unambiguous.
  ScanError() = default;
  std::string message;
};

template <class T>
using Result = boost::system::result<T, ScanError>;

inline ScanError make_error(std::string message) {
  ScanError e;
  e.message = std::move(message);
  return e;
}

// Lets Result<T>::value() throw on a ScanError (only used by callers that opt
// into exceptions, e.g. tests and start-up code).
[[noreturn]] inline void throw_exception_from_error(const ScanError& e,
                                                    const boost::source_location&) {
  throw std::runtime_error(e.message);
}

}  // namespace portcullis::scanner
