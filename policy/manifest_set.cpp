#include "policy/manifest_set.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "policy/id_hash.h"
#include "policy/manifest_json.h"

namespace portcullis::policy {
namespace {

std::string fnv1a_hex(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string revision_of(const std::vector<Manifest>& manifests) {
  std::string canonical;
  for (const Manifest& m : manifests) {
    nlohmann::json j = to_json(m);
    j.erase("source");  // where a manifest lives is not what it says
    canonical += j.dump();
    canonical += '\n';
  }
  return fnv1a_hex(canonical);
}

ManifestSet::Index build_index(const std::vector<Manifest>& manifests) {
  ManifestSet::Index index;
  std::map<std::string, uint32_t> ids;
  auto id_of = [&](const Glob& g) {
    auto [it, inserted] =
        ids.emplace(g.pattern(), static_cast<uint32_t>(index.path_patterns.size()));
    if (inserted) index.path_patterns.push_back(g);
    return it->second;
  };
  for (const Manifest& m : manifests) {
    auto& rules = index.content.emplace_back();
    for (const ContentRule& r : m.content_deny) {
      ManifestSet::ContentRuleIndex& ri = rules.emplace_back();
      for (const Glob& g : r.paths) ri.paths.push_back(id_of(g));
      for (const Glob& g : r.setuid) ri.setuid.push_back(id_of(g));
    }
    if (m.vulnerabilities)
      for (const std::string& id : m.vulnerabilities->deny)
        index.denied_vulnerabilities.push_back(detail::id_hash(id));
  }
  auto& denied = index.denied_vulnerabilities;
  std::sort(denied.begin(), denied.end());
  denied.erase(std::unique(denied.begin(), denied.end()), denied.end());
  return index;
}

bool any_matches(const std::vector<Glob>& globs, std::string_view text) {
  for (const Glob& g : globs)
    if (g.matches(text)) return true;
  return false;
}

}  // namespace

ManifestSet::ManifestSet() : revision_(revision_of({})) {}

const Manifest* ManifestSet::find(std::string_view name) const {
  auto it = std::lower_bound(manifests_.begin(), manifests_.end(), name,
                             [](const Manifest& m, std::string_view n) { return m.name < n; });
  return it != manifests_.end() && it->name == name ? &*it : nullptr;
}

bool scope_matches(const Scope& scope, std::string_view cluster,
                   const std::optional<std::string>& namespace_name) {
  if (!scope.clusters.empty() && !any_matches(scope.clusters, cluster)) return false;
  if (scope.namespaces.empty()) return true;
  // Pull and push time know no namespace: a namespace-scoped manifest is
  // left to the admission webhook, which does.
  if (!namespace_name) return false;
  return any_matches(scope.namespaces, *namespace_name);
}

std::vector<const Manifest*> ManifestSet::applicable(
    std::string_view cluster, const std::optional<std::string>& namespace_name) const {
  std::vector<const Manifest*> out;
  for (const Manifest& m : manifests_)
    if (scope_matches(m.scope, cluster, namespace_name)) out.push_back(&m);
  return out;
}

void ManifestSetBuilder::add(std::string_view yaml_text, std::string_view filename) {
  add(load_manifests(yaml_text, filename));
}

void ManifestSetBuilder::add(LoadResult loaded) {
  for (Manifest& m : loaded.manifests) manifests_.push_back(std::move(m));
  for (Diagnostic& d : loaded.diagnostics) diagnostics_.push_back(std::move(d));
}

std::vector<std::string> ManifestSetBuilder::key_files() const {
  std::vector<std::string> out;
  for (const Manifest& m : manifests_)
    if (m.signatures)
      for (const SigningKey& k : m.signatures->keys) out.push_back(k.public_key_path);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ManifestSetBuilder::resolve_keys(const std::function<KeyLoad(const std::string& path)>& load) {
  std::map<std::string, KeyLoad> loaded;
  for (const std::string& path : key_files()) loaded.emplace(path, load(path));
  for (Manifest& m : manifests_) {
    if (!m.signatures) continue;
    for (SigningKey& k : m.signatures->keys) {
      const KeyLoad& result = loaded.at(k.public_key_path);
      if (!result.error.empty()) {
        diagnostics_.push_back(Diagnostic{k.where.file, k.where.line, k.where.column,
                                          "spec.signatures: key " + k.name + ": cannot load " +
                                              k.public_key_path + ": " + result.error});
      }
      k.fingerprint = result.fingerprint;
    }
  }
}

std::vector<Diagnostic> ManifestSetBuilder::diagnostics() const {
  std::vector<Diagnostic> out = diagnostics_;
  std::map<std::string_view, const Manifest*> seen;
  for (const Manifest& m : manifests_) {
    auto [it, inserted] = seen.emplace(m.name, &m);
    if (inserted) continue;
    const SourceLocation& first = it->second->where;
    out.push_back(Diagnostic{m.where.file, m.where.line, m.where.column,
                             "metadata.name: duplicate manifest name \"" + m.name +
                                 "\" (first defined at " + first.file + ":" +
                                 std::to_string(first.line) + ":" + std::to_string(first.column) +
                                 ")"});
  }
  std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  return out;
}

std::shared_ptr<const ManifestSet> ManifestSetBuilder::build() const {
  if (!ok()) return nullptr;
  auto set = std::make_shared<ManifestSet>();
  set->manifests_ = manifests_;
  std::stable_sort(set->manifests_.begin(), set->manifests_.end(),
                   [](const Manifest& a, const Manifest& b) { return a.name < b.name; });
  set->revision_ = revision_of(set->manifests_);
  set->index_ = build_index(set->manifests_);
  return set;
}

}  // namespace portcullis::policy
