#include "proxy/assessment/error.h"

#include <stdexcept>

namespace portcullis::proxy::assessment {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::not_found:
      return "not found";
    case Errc::upstream:
      return "upstream error";
    case Errc::unauthorized:
      return "unauthorized";
    case Errc::too_large:
      return "too large";
    case Errc::invalid:
      return "invalid";
    case Errc::shutting_down:
      return "shutting down";
  }
  return "unknown";
}

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(std::string(to_string(e.code)) + ": " + e.message);
}

}  // namespace portcullis::proxy::assessment
