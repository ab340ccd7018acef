// Errors of the assessment pipeline that mean "no facts could be produced":
// the manifest is unknown upstream, the upstream failed, the store failed.
// Content problems (malformed manifest or layer, broken limits) are not
// errors here: they are facts (ImageFacts::assessment_error), so they can be
// cached and judged like any other fact.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

namespace portcullis::proxy::assessment {

enum class Errc {
  not_found = 1,  // the upstream does not have this manifest (or blob)
  upstream,       // unreachable, timed out, 5xx, broken transfer: retrying may help
  unauthorized,   // the upstream refused Portcullis's configured credentials
  too_large,      // a response broke a size limit (RegistryReader only)
  invalid,        // a malformed repository, reference or digest
  shutting_down,  // the Assessor is being destroyed
};

std::string_view to_string(Errc code);

struct Error {
  Errc code = Errc::upstream;
  std::string message;
};

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Found by ADL when .value() is called on a failed Result; throws std::runtime_error.
[[noreturn]] void throw_exception_from_error(const Error& e, const boost::source_location& loc);

}  // namespace portcullis::proxy::assessment
