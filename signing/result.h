// Error handling for the signing library: data paths return Result<T>
// (boost::system::result with a human-readable Error) instead of throwing.
#pragma once

#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>

namespace portcullis::signing {

// Not constructible from a string on purpose: Result<std::string> must stay
// unambiguous. Make one with fail().
struct Error {
  Error() = default;
  std::string message;
};

// Lets Result<T>::value() throw when a caller chooses to unwrap blindly.
[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

template <class T>
using Result = boost::system::result<T, Error>;

inline Error fail(std::string message) {
  Error e;
  e.message = std::move(message);
  return e;
}

}  // namespace portcullis::signing
