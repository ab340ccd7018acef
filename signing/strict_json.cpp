#include "signing/strict_json.h"

#include <set>
#include <vector>

namespace portcullis::signing {
namespace {

struct Rejected {
  std::string why;
};

}  // namespace

Result<nlohmann::json> parse_strict_json(std::string_view text, std::string_view what,
                                         size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) {
    return fail(std::string(what) + " is " + std::to_string(text.size()) +
                " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::vector<std::set<std::string>> keys;  // one set per open object
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        if (depth >= max_depth) {
          throw Rejected{"nesting deeper than " + std::to_string(max_depth) + " levels"};
        }
        if (event == E::object_start) keys.emplace_back();
        break;
      case E::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case E::key: {
        auto k = parsed.get<std::string>();
        if (!keys.empty() && !keys.back().insert(k).second) {
          throw Rejected{"duplicate key \"" + k + "\""};
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text.begin(), text.end(), callback);
  } catch (const Rejected& r) {
    return fail(std::string(what) + " is not acceptable JSON: " + r.why);
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string(what) + " is not valid JSON: " + e.what());
  }
}

Result<std::string> get_string(const nlohmann::json& obj, std::string_view key,
                               std::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end()) return fail(std::string(path) + "." + std::string(key) + " is missing");
  if (!it->is_string()) {
    return fail(std::string(path) + "." + std::string(key) + " must be a string, got " +
                it->type_name());
  }
  return it->get<std::string>();
}

Result<const nlohmann::json*> get_object(const nlohmann::json& obj, std::string_view key,
                                         std::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end()) return fail(std::string(path) + "." + std::string(key) + " is missing");
  if (!it->is_object()) {
    return fail(std::string(path) + "." + std::string(key) + " must be an object, got " +
                it->type_name());
  }
  return &*it;
}

Result<uint64_t> get_unsigned(const nlohmann::json& obj, std::string_view key,
                              std::string_view path) {
  auto it = obj.find(key);
  if (it == obj.end()) return fail(std::string(path) + "." + std::string(key) + " is missing");
  if (!it->is_number_unsigned()) {
    return fail(std::string(path) + "." + std::string(key) +
                " must be a non-negative integer, got " + it->dump());
  }
  return it->get<uint64_t>();
}

}  // namespace portcullis::signing
