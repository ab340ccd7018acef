#include "proxy/assessment/bounded_json.h"

namespace portcullis::proxy::assessment {

std::optional<nlohmann::json> parse_bounded_json(std::string_view text, size_t max_depth,
                                                 std::string& error) {
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t,
                                                nlohmann::json&) {
    if (static_cast<size_t>(depth) > max_depth) too_deep = true;
    return !too_deep;  // stop keeping values once too deep
  };
  nlohmann::json j = nlohmann::json::parse(text, limit, /*allow_exceptions=*/false);
  if (too_deep) {
    error = "nested deeper than " + std::to_string(max_depth) + " levels";
    return std::nullopt;
  }
  if (j.is_discarded()) {
    error = "not valid JSON";
    return std::nullopt;
  }
  return j;
}

}  // namespace portcullis::proxy::assessment
