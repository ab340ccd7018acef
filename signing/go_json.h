// Byte-exact output of Go's encoding/json (json.Marshal) for the documents
// cosign and containers/image write: compact, HTML-escaping strings, map keys
// sorted. Matching it makes our signature manifests digest-identical to theirs.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::signing::gojson {

// Appends s as a quoted JSON string escaped like Go 1.19's encoder: <, >, &,
// U+2028, U+2029 and control bytes become \u00XX-style escapes, invalid UTF-8
// becomes \ufffd.
void append_string(std::string& out, std::string_view s);
std::string quote(std::string_view s);

// Small helper that writes one JSON object's members in the order given,
// which callers take from the Go struct field order.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out);
  ~ObjectWriter();
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  void key(std::string_view k);  // then the caller appends the value to out
  void string(std::string_view k, std::string_view v);
  void string_omitempty(std::string_view k, std::string_view v);
  void integer(std::string_view k, long long v);
  void boolean_omitempty(std::string_view k, bool v);
  void string_list_omitempty(std::string_view k, const std::vector<std::string>& v);
  void string_map_omitempty(std::string_view k, const std::map<std::string, std::string>& m);
  // map[string]struct{}: {"key":{}, ...}
  void set_omitempty(std::string_view k, const std::vector<std::string>& sorted_keys);

 private:
  std::string& out_;
  bool first_ = true;
};

void append_string_list(std::string& out, const std::vector<std::string>& v);
void append_string_map(std::string& out, const std::map<std::string, std::string>& m);

}  // namespace portcullis::signing::gojson
