#include "tests/docker/toml_subset.h"

#include <cctype>
#include <sstream>

namespace portcullis::docker_test {
namespace {

TomlValue Make(TomlValue::Type type, std::string text) {
  TomlValue value;
  value.type = type;
  value.text = std::move(text);
  return value;
}

// A cursor over one line; every parse step reports errors with the line number.
class Line {
 public:
  Line(std::string text, int number) : text_(std::move(text)), number_(number) {}

  [[noreturn]] void Fail(const std::string& what) const {
    throw TomlError("line " + std::to_string(number_) + ": " + what + ": " + text_);
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size() || text_[pos_] == '#';
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void Expect(char c) {
    if (!Consume(c)) Fail(std::string("expected '") + c + "'");
  }
  std::string QuotedString() {
    Expect('"');
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\') Fail("escapes are outside the supported subset");
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) Fail("unterminated string");
    ++pos_;
    return out;
  }
  std::string BareWord() {
    SkipSpace();
    const auto start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '-' || text_[pos_] == '_')) {
      ++pos_;
    }
    if (start == pos_) Fail("expected a key");
    return text_.substr(start, pos_ - start);
  }
  std::string Key() {
    SkipSpace();
    return (pos_ < text_.size() && text_[pos_] == '"') ? QuotedString() : BareWord();
  }
  TomlValue Value() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '"')
      return Make(TomlValue::Type::kString, QuotedString());
    if (Consume('[')) {
      TomlValue array = Make(TomlValue::Type::kStringArray, "");
      while (!Consume(']')) {
        if (!array.items.empty()) Expect(',');
        if (Consume(']')) break;  // trailing comma
        array.items.push_back(QuotedString());
      }
      return array;
    }
    const std::string word = BareWord();
    if (word == "true" || word == "false") return Make(TomlValue::Type::kBool, word);
    if (word.find_first_not_of("0123456789") == std::string::npos) {
      return Make(TomlValue::Type::kInteger, word);
    }
    Fail("unsupported value '" + word + "'");
  }

 private:
  std::string text_;
  int number_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<TomlTable> ParseTomlSubset(const std::string& text) {
  std::vector<TomlTable> tables(1);
  std::istringstream in(text);
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    Line line(raw, number);
    if (line.AtEnd()) continue;
    if (line.Consume('[')) {
      TomlTable table;
      table.array_item = line.Consume('[');
      do {
        table.header.push_back(line.Key());
      } while (line.Consume('.'));
      line.Expect(']');
      if (table.array_item) line.Expect(']');
      if (!line.AtEnd()) line.Fail("text after the table header");
      tables.push_back(std::move(table));
      continue;
    }
    const std::string key = line.Key();
    line.Expect('=');
    TomlValue value = line.Value();
    if (!line.AtEnd()) line.Fail("text after the value");
    if (!tables.back().values.emplace(key, std::move(value)).second) line.Fail("duplicate key");
  }
  return tables;
}

}  // namespace portcullis::docker_test
