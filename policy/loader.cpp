#include "policy/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <set>

#include "policy/patterns.h"

namespace portcullis::policy {

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {

constexpr std::string_view kApiVersion = "portcullis.dev/v1";
constexpr std::string_view kKind = "TrustManifest";
constexpr size_t kMaxListItems = 10000;
// Across a file: YAML aliases let a small file repeat a big list many times.
constexpr size_t kMaxItemsPerFile = 100000;

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "the value " + dq(n.Scalar());
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "an undefined value";
  }
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cur = row[j];
      size_t sub = prev + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, sub});
      prev = cur;
    }
  }
  return row[b.size()];
}

// A DNS-1123 label-like name: lower case letters, digits, '-', '.'.
bool valid_name(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

bool valid_vulnerability_id(std::string_view s) {
  if (s.empty() || s.size() > 128 || !std::isalnum(static_cast<unsigned char>(s.front())))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::optional<std::chrono::sys_days> parse_date(std::string_view s) {
  // YYYY-MM-DD
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  int y = std::stoi(std::string(s.substr(0, 4)));
  unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(5, 2))));
  unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(8, 2))));
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

// The keys of one YAML map, checked against the keys a section allows.
class Fields {
 public:
  YAML::Node get(std::string_view key) const {
    for (const auto& [k, v] : entries_)
      if (k == key) return v;
    return YAML::Node(YAML::NodeType::Undefined);
  }
  bool has(std::string_view key) const { return get(key).IsDefined(); }

  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

class Reader {
 public:
  Reader(std::string_view file, std::vector<Diagnostic>& diags) : file_(file), diags_(diags) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    YAML::Mark m = at.Mark();
    error_at(m.line, m.column, path.empty() ? message : path + ": " + message);
  }
  void error_at(int line0, int col0, const std::string& message) {
    diags_.push_back(Diagnostic{file_, std::max(line0, 0) + 1, std::max(col0, 0) + 1, message});
  }
  size_t error_count() const { return diags_.size(); }
  const std::string& file() const { return file_; }

  SourceLocation where(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    return SourceLocation{file_, std::max(m.line, 0) + 1, std::max(m.column, 0) + 1};
  }

  // Checks that `node` is a map with only `allowed` keys, each at most once.
  std::optional<Fields> map(const YAML::Node& node, const std::string& path,
                            std::initializer_list<std::string_view> allowed) {
    if (!node.IsMap()) {
      error(node, path, "expected a map, got " + describe(node));
      return std::nullopt;
    }
    Fields fields;
    for (auto it = node.begin(); it != node.end(); ++it) {
      YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
      if (!key.IsScalar()) {
        error(key, path, "keys must be strings");
        continue;
      }
      const std::string& k = key.Scalar();
      std::string where = path.empty() ? "the document" : path;
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        std::string hint;
        for (std::string_view a : allowed)
          if (edit_distance(k, a) <= 2) hint = " (did you mean " + dq(a) + "?)";
        if (hint.empty()) {
          hint = " (expected ";
          size_t i = 0;
          for (std::string_view a : allowed) {
            if (i++ > 0) hint += i == allowed.size() ? " or " : ", ";
            hint += a;
          }
          hint += ")";
        }
        error(key, path, "unknown key " + dq(k) + hint);
        continue;
      }
      if (fields.has(k)) {
        error(key, path, "duplicate key " + dq(k));
        continue;
      }
      fields.entries_.emplace_back(k, YAML::Node(it->second));
    }
    return fields;
  }

  bool require(const Fields& f, const YAML::Node& parent, const std::string& path,
               std::string_view key) {
    if (f.has(key)) return true;
    error(parent, path, "missing required key " + dq(key));
    return false;
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      error(node, path, "expected a string, got " + describe(node));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& path) {
    if (node.IsScalar() && node.Tag() == "?") {  // plain, unquoted
      const std::string& s = node.Scalar();
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
    }
    std::string got = node.IsScalar() && node.Tag() != "?"
                          ? "the quoted string " + dq(node.Scalar())
                          : describe(node);
    error(node, path, "expected true or false, got " + got);
    return std::nullopt;
  }

  // A list, or nullopt after reporting why not.
  std::optional<std::vector<YAML::Node>> list(const YAML::Node& node, const std::string& path) {
    if (!node.IsSequence()) {
      error(node, path, "expected a list, got " + describe(node));
      return std::nullopt;
    }
    if (node.size() > kMaxListItems) {
      error(node, path, "has more than 10000 items");
      return std::nullopt;
    }
    items_ += node.size();
    if (items_ > kMaxItemsPerFile) {
      if (!over_budget_) error(node, path, "the file has more than 100000 list items in all");
      over_budget_ = true;
      return std::nullopt;
    }
    std::vector<YAML::Node> out;
    for (const auto& item : node) out.push_back(item);
    return out;
  }

  std::map<std::string, std::string> string_map(const YAML::Node& node, const std::string& path) {
    std::map<std::string, std::string> out;
    if (!node.IsMap()) {
      error(node, path, "expected a map of strings, got " + describe(node));
      return out;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      YAML::Node key = it->first;
      YAML::Node value = it->second;
      auto k = string(key, path);
      auto v = string(value, path + "." + (k ? *k : "?"));
      if (k && v) {
        if (out.contains(*k))
          error(key, path, "duplicate key " + dq(*k));
        else
          out.emplace(*k, *v);
      }
    }
    return out;
  }

  // A list of patterns compiled with `compile`.
  template <class Compile>
  std::vector<Glob> patterns(const YAML::Node& node, const std::string& path, Compile compile) {
    std::vector<Glob> out;
    auto items = list(node, path);
    if (!items) return out;
    for (size_t i = 0; i < items->size(); ++i) {
      std::string p = path + "[" + std::to_string(i) + "]";
      auto s = string((*items)[i], p);
      if (!s) continue;
      auto glob = compile(*s);
      if (!glob) {
        error((*items)[i], p, glob.error());
        continue;
      }
      out.push_back(std::move(*glob));
    }
    return out;
  }

 private:
  std::string file_;
  std::vector<Diagnostic>& diags_;
  size_t items_ = 0;
  bool over_budget_ = false;
};

Scope read_scope(Reader& r, const YAML::Node& node) {
  Scope scope;
  auto f = r.map(node, "spec.scope", {"clusters", "namespaces"});
  if (!f) return scope;
  if (auto n = f->get("clusters"))
    scope.clusters = r.patterns(n, "spec.scope.clusters", compile_name_pattern);
  if (auto n = f->get("namespaces"))
    scope.namespaces = r.patterns(n, "spec.scope.namespaces", compile_name_pattern);
  return scope;
}

RegistryRules read_registries(Reader& r, const YAML::Node& node) {
  RegistryRules rules;
  auto f = r.map(node, "spec.registries", {"allow", "deny"});
  if (!f) return rules;
  if (auto n = f->get("allow"))
    rules.allow = r.patterns(n, "spec.registries.allow", compile_registry_pattern);
  if (auto n = f->get("deny"))
    rules.deny = r.patterns(n, "spec.registries.deny", compile_registry_pattern);
  return rules;
}

std::vector<ImageRule> read_image_rules(Reader& r, const YAML::Node& node,
                                        const std::string& path) {
  std::vector<ImageRule> out;
  auto items = r.list(node, path);
  if (!items) return out;
  for (size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    std::string p = path + "[" + std::to_string(i) + "]";
    auto f = r.map(item, p, {"repository", "versions"});
    if (!f || !r.require(*f, item, p, "repository")) continue;
    auto repo = r.string(f->get("repository"), p + ".repository");
    if (!repo) continue;
    auto glob = compile_repository_pattern(*repo);
    if (!glob) {
      r.error(f->get("repository"), p + ".repository", glob.error());
      continue;
    }
    ImageRule rule{std::move(*glob), std::nullopt, r.where(item)};
    if (auto v = f->get("versions")) {
      auto text = r.string(v, p + ".versions");
      if (!text) continue;
      auto constraint = VersionConstraint::parse(*text);
      if (!constraint) {
        r.error(v, p + ".versions", constraint.error());
        continue;
      }
      rule.versions = std::move(*constraint);
    }
    out.push_back(std::move(rule));
  }
  return out;
}

ImageRules read_images(Reader& r, const YAML::Node& node) {
  ImageRules rules;
  auto f = r.map(node, "spec.images", {"allow", "deny"});
  if (!f) return rules;
  if (auto n = f->get("allow")) rules.allow = read_image_rules(r, n, "spec.images.allow");
  if (auto n = f->get("deny")) rules.deny = read_image_rules(r, n, "spec.images.deny");
  return rules;
}

std::vector<ContentRule> read_content(Reader& r, const YAML::Node& node) {
  std::vector<ContentRule> out;
  auto f = r.map(node, "spec.content", {"deny"});
  if (!f || !r.require(*f, node, "spec.content", "deny")) return out;
  auto items = r.list(f->get("deny"), "spec.content.deny");
  if (!items) return out;
  std::set<std::string> names;
  for (size_t i = 0; i < items->size(); ++i) {
    const YAML::Node& item = (*items)[i];
    std::string p = "spec.content.deny[" + std::to_string(i) + "]";
    auto rf = r.map(item, p, {"name", "sshServer", "paths", "setuid"});
    if (!rf || !r.require(*rf, item, p, "name")) continue;
    ContentRule rule;
    rule.where = r.where(item);
    if (auto name = r.string(rf->get("name"), p + ".name")) {
      if (!valid_name(*name, 63))
        r.error(rf->get("name"), p + ".name",
                dq(*name) + " is not a valid rule name (lower case letters, digits and '-')");
      else if (!names.insert(*name).second)
        r.error(rf->get("name"), p + ".name", "duplicate rule name " + dq(*name));
      rule.name = *name;
    }
    if (auto n = rf->get("sshServer"))
      rule.ssh_server = r.boolean(n, p + ".sshServer").value_or(false);
    if (auto n = rf->get("paths")) rule.paths = r.patterns(n, p + ".paths", compile_path_pattern);
    if (auto n = rf->get("setuid"))
      rule.setuid = r.patterns(n, p + ".setuid", compile_path_pattern);
    if (!rf->has("sshServer") && !rf->has("paths") && !rf->has("setuid"))
      r.error(item, p, "a content rule needs sshServer, paths or setuid");
    out.push_back(std::move(rule));
  }
  return out;
}

std::string resolve_key_path(std::string_view manifest_file, const std::string& key_file) {
  std::filesystem::path key(key_file);
  if (key.is_absolute()) return key.lexically_normal().string();
  std::filesystem::path dir = std::filesystem::path(manifest_file).parent_path();
  return (dir / key).lexically_normal().string();
}

SignatureRules read_signatures(Reader& r, const YAML::Node& node) {
  SignatureRules rules;
  const std::string path = "spec.signatures";
  auto f = r.map(node, path, {"required", "keys", "requireAll"});
  if (!f) return rules;
  if (auto n = f->get("required"))
    rules.required = r.boolean(n, path + ".required").value_or(false);
  if (auto n = f->get("requireAll"))
    rules.require_all = r.boolean(n, path + ".requireAll").value_or(false);
  if (auto n = f->get("keys")) {
    auto items = r.list(n, path + ".keys");
    std::set<std::string> names;
    for (size_t i = 0; items && i < items->size(); ++i) {
      const YAML::Node& item = (*items)[i];
      std::string p = path + ".keys[" + std::to_string(i) + "]";
      auto kf = r.map(item, p, {"name", "publicKeyFile", "repositories"});
      if (!kf) continue;
      bool has_name = r.require(*kf, item, p, "name");
      bool has_file = r.require(*kf, item, p, "publicKeyFile");
      if (!has_name || !has_file) continue;
      SigningKey key;
      key.where = r.where(kf->get("publicKeyFile"));
      if (auto name = r.string(kf->get("name"), p + ".name")) {
        if (!valid_name(*name, 63))
          r.error(kf->get("name"), p + ".name",
                  dq(*name) + " is not a valid key name (lower case letters, digits and '-')");
        else if (!names.insert(*name).second)
          r.error(kf->get("name"), p + ".name", "duplicate key name " + dq(*name));
        key.name = *name;
      }
      if (auto file = r.string(kf->get("publicKeyFile"), p + ".publicKeyFile")) {
        if (file->empty()) r.error(kf->get("publicKeyFile"), p + ".publicKeyFile", "is empty");
        key.public_key_file = *file;
        key.public_key_path = resolve_key_path(r.file(), *file);
      }
      if (auto n = kf->get("repositories"))
        key.repositories = r.patterns(n, p + ".repositories", compile_repository_pattern);
      rules.keys.push_back(std::move(key));
    }
  }
  bool keys_written = f->has("keys") && f->get("keys").IsSequence() && f->get("keys").size() > 0;
  if (rules.required && !keys_written)
    r.error(node, path, "signatures are required but no keys are listed");
  if (rules.require_all && !rules.required)
    r.error(f->get("requireAll"), path + ".requireAll", "has no effect unless required is true");
  return rules;
}

VulnerabilityRules read_vulnerabilities(Reader& r, const YAML::Node& node) {
  VulnerabilityRules rules;
  const std::string path = "spec.vulnerabilities";
  auto f = r.map(node, path, {"maxSeverity", "allow", "deny", "onlyFixed"});
  if (!f) return rules;
  if (auto n = f->get("maxSeverity")) {
    if (auto s = r.string(n, path + ".maxSeverity")) {
      Severity sev = severity_from_string(*s);
      std::string lowered = *s;
      for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (sev == Severity::Unknown || lowered != to_string(sev))
        r.error(n, path + ".maxSeverity",
                "expected none, negligible, low, medium, high or critical, got " + dq(*s));
      else
        rules.max_severity = sev;
    }
  }
  if (auto n = f->get("onlyFixed"))
    rules.only_fixed = r.boolean(n, path + ".onlyFixed").value_or(false);
  std::map<std::string, YAML::Node> allowed_ids;
  if (auto n = f->get("allow")) {
    auto items = r.list(n, path + ".allow");
    for (size_t i = 0; items && i < items->size(); ++i) {
      const YAML::Node& item = (*items)[i];
      std::string p = path + ".allow[" + std::to_string(i) + "]";
      auto af = r.map(item, p, {"id", "reason", "expires"});
      if (!af) continue;
      bool has_id = r.require(*af, item, p, "id");
      bool has_reason = r.require(*af, item, p, "reason");
      if (!has_id || !has_reason) continue;
      VulnerabilityException ex;
      if (auto id = r.string(af->get("id"), p + ".id")) {
        if (!valid_vulnerability_id(*id))
          r.error(af->get("id"), p + ".id", dq(*id) + " is not a vulnerability id");
        else if (allowed_ids.contains(*id))
          r.error(af->get("id"), p + ".id", "duplicate exception for " + *id);
        allowed_ids.emplace(*id, af->get("id"));
        ex.id = *id;
      }
      if (auto reason = r.string(af->get("reason"), p + ".reason")) {
        if (reason->empty())
          r.error(af->get("reason"), p + ".reason", "is empty: say why this is accepted");
        ex.reason = *reason;
      }
      if (auto e = af->get("expires")) {
        if (auto text = r.string(e, p + ".expires")) {
          ex.expires = parse_date(*text);
          if (!ex.expires)
            r.error(e, p + ".expires", dq(*text) + " is not a date (expected YYYY-MM-DD)");
        }
      }
      rules.allow.push_back(std::move(ex));
    }
  }
  if (auto n = f->get("deny")) {
    auto items = r.list(n, path + ".deny");
    for (size_t i = 0; items && i < items->size(); ++i) {
      std::string p = path + ".deny[" + std::to_string(i) + "]";
      auto id = r.string((*items)[i], p);
      if (!id) continue;
      if (!valid_vulnerability_id(*id)) {
        r.error((*items)[i], p, dq(*id) + " is not a vulnerability id");
        continue;
      }
      if (allowed_ids.contains(*id))
        r.error((*items)[i], p,
                *id + " is both allowed and denied; a deny always wins, remove one");
      if (std::find(rules.deny.begin(), rules.deny.end(), *id) != rules.deny.end())
        r.error((*items)[i], p, "duplicate entry " + *id);
      rules.deny.push_back(*id);
    }
  }
  return rules;
}

template <class T>
std::optional<T> one_of(Reader& r, const YAML::Node& node, const std::string& path,
                        std::initializer_list<std::pair<std::string_view, T>> choices) {
  auto s = r.string(node, path);
  if (!s) return std::nullopt;
  for (const auto& [spelling, value] : choices)
    if (*s == spelling) return value;
  std::string expected;
  size_t i = 0;
  for (const auto& [spelling, value] : choices) {
    if (i++ > 0) expected += i == choices.size() ? " or " : ", ";
    expected += spelling;
  }
  r.error(node, path, "expected " + expected + ", got " + dq(*s));
  return std::nullopt;
}

std::optional<Manifest> read_document(Reader& r, const YAML::Node& doc) {
  size_t errors_before = r.error_count();
  Manifest m;
  m.where = r.where(doc);
  if (!doc.IsMap()) {
    r.error(doc, "", "a Trust Manifest must be a map, got " + describe(doc));
    return std::nullopt;
  }
  auto top = r.map(doc, "", {"apiVersion", "kind", "metadata", "spec"});
  if (!top) return std::nullopt;
  bool complete = true;
  for (std::string_view key : {"apiVersion", "kind", "metadata", "spec"})
    complete = r.require(*top, doc, "", key) && complete;
  if (auto n = top->get("apiVersion")) {
    auto v = r.string(n, "apiVersion");
    if (v && *v != kApiVersion)
      r.error(n, "apiVersion", "expected " + std::string(kApiVersion) + ", got " + dq(*v));
  }
  if (auto n = top->get("kind")) {
    auto v = r.string(n, "kind");
    if (v && *v != kKind) r.error(n, "kind", "expected " + std::string(kKind) + ", got " + dq(*v));
  }
  if (auto n = top->get("metadata")) {
    if (auto f = r.map(n, "metadata", {"name", "labels", "annotations"})) {
      if (r.require(*f, n, "metadata", "name")) {
        if (auto name = r.string(f->get("name"), "metadata.name")) {
          if (!valid_name(*name, 253))
            r.error(f->get("name"), "metadata.name",
                    dq(*name) + " is not a valid name (lower case letters, digits, '-' and '.')");
          m.name = *name;
          m.where = r.where(f->get("name"));
        }
      }
      if (auto l = f->get("labels")) m.labels = r.string_map(l, "metadata.labels");
      if (auto a = f->get("annotations")) m.annotations = r.string_map(a, "metadata.annotations");
    }
  }
  if (auto spec = top->get("spec")) {
    auto f = r.map(spec, "spec",
                   {"scope", "mode", "registries", "images", "content", "signatures",
                    "vulnerabilities", "pinDigests", "failurePolicy"});
    if (f) {
      if (auto n = f->get("scope")) m.scope = read_scope(r, n);
      if (auto n = f->get("mode"))
        m.mode =
            one_of<Mode>(r, n, "spec.mode", {{"enforce", Mode::Enforce}, {"audit", Mode::Audit}})
                .value_or(Mode::Enforce);
      if (auto n = f->get("registries")) m.registries = read_registries(r, n);
      if (auto n = f->get("images")) m.images = read_images(r, n);
      if (auto n = f->get("content")) m.content_deny = read_content(r, n);
      if (auto n = f->get("signatures")) m.signatures = read_signatures(r, n);
      if (auto n = f->get("vulnerabilities")) m.vulnerabilities = read_vulnerabilities(r, n);
      if (auto n = f->get("pinDigests"))
        m.pin_digests = r.boolean(n, "spec.pinDigests").value_or(false);
      if (auto n = f->get("failurePolicy"))
        m.failure_policy = one_of<FailurePolicy>(
                               r, n, "spec.failurePolicy",
                               {{"fail", FailurePolicy::Fail}, {"ignore", FailurePolicy::Ignore}})
                               .value_or(FailurePolicy::Fail);
    }
  }
  if (!complete || r.error_count() != errors_before) return std::nullopt;
  return m;
}

}  // namespace

LoadResult load_manifests(std::string_view yaml_text, std::string_view filename) {
  LoadResult result;
  Reader r(filename, result.diagnostics);
  if (yaml_text.size() > kMaxManifestFileBytes) {
    r.error_at(0, 0, "file is larger than 4 MiB");
    return result;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    r.error_at(e.mark.line, e.mark.column, "YAML syntax error: " + e.msg);
    return result;
  }
  if (docs.size() > kMaxDocumentsPerFile) {
    r.error_at(0, 0, "file has more than 1000 documents");
    return result;
  }
  for (const YAML::Node& doc : docs) {
    if (doc.IsNull()) continue;  // empty document, e.g. a trailing "---"
    if (auto m = read_document(r, doc)) result.manifests.push_back(std::move(*m));
  }
  return result;
}

}  // namespace portcullis::policy
