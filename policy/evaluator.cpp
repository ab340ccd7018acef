#include "policy/evaluator.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "policy/id_hash.h"

namespace portcullis::policy {
namespace {

char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  return true;
}

// Concatenates with one allocation: reasons are built on the deny path, and a
// denied image can have hundreds.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

std::string dq(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string join_patterns(const std::vector<Glob>& globs) {
  if (globs.empty()) return "the list is empty, so nothing is allowed";
  std::string out;
  for (size_t i = 0; i < globs.size(); ++i) {
    if (i == 10) return out + ", ... (" + std::to_string(globs.size() - 10) + " more)";
    if (i > 0) out += ", ";
    out += globs[i].pattern();
  }
  return out;
}

std::string join_repositories(const std::vector<ImageRule>& rules) {
  if (rules.empty()) return "the list is empty, so nothing is allowed";
  std::string out;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i == 10) return out + ", ... (" + std::to_string(rules.size() - 10) + " more)";
    if (i > 0) out += ", ";
    out += rules[i].repository.pattern();
  }
  return out;
}

bool any_matches(const std::vector<Glob>& globs, std::string_view text) {
  for (const Glob& g : globs)
    if (g.matches(text)) return true;
  return false;
}

// Per-evaluation state shared by every manifest: computed lazily, once, so
// that fifty manifests repeating a pattern or a deny list cost one lookup.
// Reads a FactsIndex when the caller has one, and derives what it needs
// from the facts otherwise.
struct Context {
  Context(const EvaluationRequest& r, const ManifestSet& s)
      : req(r),
        set_index(s.index()),
        facts_index(r.facts && r.facts_index && r.facts_index->fits(*r.facts) ? r.facts_index
                                                                              : nullptr),
        name(r.image.name()),
        image(r.image.to_string()) {}

  const EvaluationRequest& req;
  const ManifestSet::Index& set_index;
  const FactsIndex* facts_index;
  std::string name;   // registry/repository
  std::string image;  // full reference, for messages

  // Content: the files each distinct path pattern matches, hits[begin, end)
  // per pattern id, in file order.
  bool files_checked = false;
  bool files_sorted = false;
  std::vector<uint32_t> hits;
  std::vector<std::pair<uint32_t, uint32_t>> pattern_hits;  // begin > end: not computed yet

  // Vulnerabilities: effective severity, maxima, and which are on a deny list.
  bool vulns_indexed = false;
  std::vector<Severity> own_severity;  // when there is no FactsIndex
  const Severity* severity = nullptr;
  std::vector<uint32_t> on_some_deny_list;  // indices, ascending
  Severity max_all = Severity::None;
  Severity max_fixed = Severity::None;

  bool sorted() {
    if (!files_checked) {
      const auto& f = req.facts->content->files;
      files_sorted = facts_index ? facts_index->files_sorted
                                 : std::is_sorted(f.begin(), f.end(),
                                                  [](const FileEntry& a, const FileEntry& b) {
                                                    return a.path < b.path;
                                                  });
      files_checked = true;
    }
    return files_sorted;
  }

  std::span<const uint32_t> matches(uint32_t id);

  void index_vulnerabilities();
  bool denied_somewhere(size_t i) const {
    return std::binary_search(on_some_deny_list.begin(), on_some_deny_list.end(),
                              static_cast<uint32_t>(i));
  }
};

void Context::index_vulnerabilities() {
  if (vulns_indexed) return;
  vulns_indexed = true;
  const auto& vs = req.facts->vulnerabilities->vulnerabilities;
  const auto& denied = set_index.denied_vulnerabilities;
  if (facts_index) {
    severity = facts_index->severity.data();
    max_all = facts_index->max_all;
    max_fixed = facts_index->max_fixed;
  } else {
    own_severity.reserve(vs.size());
    for (const Vulnerability& v : vs) {
      Severity s = effective_severity(v.severity);
      own_severity.push_back(s);
      max_all = std::max(max_all, s);
      if (!v.fixed_version.empty()) max_fixed = std::max(max_fixed, s);
    }
    severity = own_severity.data();
  }
  if (denied.empty()) return;
  for (size_t i = 0; i < vs.size(); ++i) {
    uint64_t h = facts_index ? facts_index->id_hash[i] : detail::id_hash(vs[i].id);
    if (std::binary_search(denied.begin(), denied.end(), h))
      on_some_deny_list.push_back(static_cast<uint32_t>(i));  // confirmed by name per manifest
  }
}

// Adds the reasons of one manifest, capping each rule. Messages are built
// only for reasons that are kept: a denied image with hundreds of CVEs costs
// kMaxReasonsPerRule strings per rule, not hundreds.
class Emitter {
 public:
  Emitter(Verdict& v, const Manifest& m) : verdict_(v), manifest_(m) {}

  template <class MakeMessage>
  void add(std::string_view rule, MakeMessage&& make_message) {
    if (rule == last_rule_) {
      if (++count_ > kMaxReasonsPerRule) {
        ++suppressed_;
        return;
      }
    } else {
      flush();
      last_rule_.assign(rule);
      count_ = 1;
    }
    push(std::string(rule), make_message());
  }
  void add(std::string_view rule, std::string message) {
    add(rule, [&] { return std::move(message); });
  }
  void flush() {
    if (suppressed_ > 0)
      push(last_rule_, "... and " + std::to_string(suppressed_) + " more violations of " +
                           last_rule_ + " in " + manifest_.name);
    suppressed_ = 0;
  }

 private:
  void push(std::string rule, std::string message) {
    verdict_.reasons.push_back(Reason{manifest_.name, std::move(rule), std::move(message),
                                      manifest_.mode == Mode::Enforce});
  }
  Verdict& verdict_;
  const Manifest& manifest_;
  std::string last_rule_;
  size_t count_ = 0;
  size_t suppressed_ = 0;
};

void check_registries(const Manifest& m, Context& ctx, Emitter& e) {
  if (!m.registries) return;
  const std::string& registry = ctx.req.image.registry;
  for (const Glob& g : m.registries->deny) {
    if (g.matches(registry)) {
      std::string via = g.is_literal() ? "" : " by pattern " + g.pattern();
      e.add("registries.deny",
            "registry " + registry + " is denied by " + m.name + " (registries.deny" + via + ")");
      return;
    }
  }
  if (m.registries->allow && !any_matches(*m.registries->allow, registry)) {
    e.add("registries.allow", "registry " + registry + " is not in the approved list of " + m.name +
                                  " (registries.allow): " + join_patterns(*m.registries->allow));
  }
}

// Why a tag does or does not satisfy a version constraint; empty if it does.
std::string version_problem(const ImageRule& rule, const Context& ctx, bool* satisfied) {
  *satisfied = true;
  if (!rule.versions) return {};
  const std::string& tag = ctx.req.image.tag;
  const std::string& want = rule.versions->text();
  if (tag.empty()) {
    if (ctx.req.untagged_judged_on_repository) return {};
    *satisfied = false;
    return "the image has no tag, so its version cannot be checked against " + dq(want);
  }
  switch (rule.versions->check(tag)) {
    case VersionConstraint::Outcome::Satisfied:
      return {};
    case VersionConstraint::Outcome::NotAVersion:
      *satisfied = false;
      return "tag " + tag + " is not a version, so it cannot satisfy " + dq(want);
    case VersionConstraint::Outcome::Unsatisfied:
      *satisfied = false;
      return "tag " + tag + " does not satisfy " + dq(want);
  }
  return {};
}

void check_images(const Manifest& m, Context& ctx, Emitter& e) {
  if (!m.images) return;
  for (const ImageRule& rule : m.images->deny) {
    if (!rule.repository.matches(ctx.name)) continue;
    if (rule.versions) {
      const std::string& tag = ctx.req.image.tag;
      if (tag.empty() || rule.versions->check(tag) != VersionConstraint::Outcome::Satisfied)
        continue;
      e.add("images.deny", "image " + ctx.image + " is denied by " + m.name +
                               " (images.deny: " + rule.repository.pattern() + " versions " +
                               dq(rule.versions->text()) + ")");
    } else {
      e.add("images.deny", "repository " + ctx.name + " is denied by " + m.name +
                               " (images.deny: " + rule.repository.pattern() + ")");
    }
    return;
  }
  if (!m.images->allow) return;
  std::string problem;
  for (const ImageRule& rule : *m.images->allow) {
    if (!rule.repository.matches(ctx.name)) continue;
    bool satisfied = false;
    std::string why = version_problem(rule, ctx, &satisfied);
    if (satisfied) return;
    if (problem.empty()) problem = why + " (" + rule.repository.pattern() + ")";
  }
  if (!problem.empty()) {
    e.add("images.allow",
          "image " + ctx.image + " is not allowed by " + m.name + " (images.allow): " + problem);
  } else {
    e.add("images.allow", "repository " + ctx.name + " is not in the allowed images of " + m.name +
                              " (images.allow): " + join_repositories(*m.images->allow));
  }
}

// The files pattern `id` matches, computed once per evaluation. Candidates
// come from the narrowest range available: files sharing the pattern's
// literal prefix (the list is sorted by path) or, with a FactsIndex, its
// literal suffix; every file only when neither applies.
std::span<const uint32_t> Context::matches(uint32_t id) {
  if (pattern_hits.empty()) pattern_hits.assign(set_index.path_patterns.size(), {1, 0});
  auto& range = pattern_hits[id];
  if (range.first <= range.second)
    return std::span<const uint32_t>(hits).subspan(range.first, range.second - range.first);

  const Glob& glob = set_index.path_patterns[id];
  const std::vector<FileEntry>& f = req.facts->content->files;
  range.first = static_cast<uint32_t>(hits.size());
  auto test = [&](uint32_t i) {
    if (glob.matches(f[i].path)) hits.push_back(i);
  };

  std::string_view prefix = glob.literal_prefix();
  std::string_view suffix = glob.literal_suffix();
  size_t pb = 0, pe = f.size();
  if (!prefix.empty() && sorted()) {
    pb = static_cast<size_t>(
        std::lower_bound(f.begin(), f.end(), prefix,
                         [](const FileEntry& e, std::string_view p) { return e.path < p; }) -
        f.begin());
    pe = static_cast<size_t>(
        std::partition_point(
            f.begin() + static_cast<std::ptrdiff_t>(pb), f.end(),
            [&](const FileEntry& e) { return std::string_view(e.path).starts_with(prefix); }) -
        f.begin());
  }
  size_t sb = 0, se = f.size();
  if (!suffix.empty() && facts_index) {
    const auto& by = facts_index->by_suffix;
    auto lo = std::partition_point(by.begin(), by.end(),
                                   [&](uint32_t i) { return reversed_less(f[i].path, suffix); });
    auto hi = std::partition_point(
        lo, by.end(), [&](uint32_t i) { return std::string_view(f[i].path).ends_with(suffix); });
    sb = static_cast<size_t>(lo - by.begin());
    se = static_cast<size_t>(hi - by.begin());
  }
  if (se - sb < pe - pb) {
    for (size_t k = sb; k < se; ++k) test(facts_index->by_suffix[k]);
    std::sort(hits.begin() + range.first, hits.end());  // back to file order
  } else {
    for (size_t i = pb; i < pe; ++i) test(static_cast<uint32_t>(i));
  }
  range.second = static_cast<uint32_t>(hits.size());
  return std::span<const uint32_t>(hits).subspan(range.first, range.second - range.first);
}

std::string describe_link(const FileEntry& f) {
  if (f.type == FileType::Symlink) return " (symlink to " + f.link_target + ")";
  if (f.type == FileType::Hardlink) return " (hardlink to " + f.link_target + ")";
  return {};
}

std::string octal_mode(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%o", mode & 07777);
  return buf;
}

void check_content(const Manifest& m, size_t manifest_index, Context& ctx, Emitter& e) {
  const ContentFacts& content = *ctx.req.facts->content;
  const auto& rule_index = ctx.set_index.content[manifest_index];
  std::vector<uint32_t> found;  // allocates only when something matched
  for (size_t r = 0; r < m.content_deny.size(); ++r) {
    const ContentRule& rule = m.content_deny[r];
    // Strings are built only for violations: the clean path allocates nothing.
    std::string rule_id;  // built on the first violation only
    auto emit = [&](auto&& what) {
      if (rule_id.empty()) rule_id = "content.deny/" + rule.name;
      e.add(rule_id, [&] {
        return cat(rule.name, ": ", what(), ", denied by ", m.name, " (content.deny)");
      });
    };
    if (rule.ssh_server) {
      for (const Finding& f : content.findings) {
        if (f.detector != "sshServer") continue;
        emit([&] {
          std::string what = f.path.empty()     ? f.detail
                             : f.detail.empty() ? f.path
                                                : cat(f.path, " (", f.detail, ")");
          return what.empty() ? std::string("an SSH server") : what;
        });
      }
    }
    auto collect = [&](const std::vector<uint32_t>& ids, bool setuid_only) {
      found.clear();
      for (uint32_t id : ids)
        for (uint32_t i : ctx.matches(id)) {
          const FileEntry& f = content.files[i];
          bool file_like = f.type == FileType::Regular || f.type == FileType::Hardlink;
          if (!setuid_only || (file_like && (f.mode & 04000))) found.push_back(i);
        }
      if (ids.size() > 1) {
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
      }
    };
    collect(rule_index[r].paths, false);
    for (uint32_t i : found) {
      const FileEntry& f = content.files[i];
      emit([&] { return cat(f.path, describe_link(f)); });
    }
    collect(rule_index[r].setuid, true);
    for (uint32_t i : found) {
      const FileEntry& f = content.files[i];
      emit([&] {
        return cat(f.path, " is setuid (mode ", octal_mode(f.mode), ")", describe_link(f));
      });
    }
  }
}

bool key_covers(const SigningKey& key, std::string_view name) {
  return key.repositories.empty() || any_matches(key.repositories, name);
}

bool signed_by(const SigningKey& key, const SignatureFacts& facts) {
  if (key.fingerprint.empty()) return false;
  for (const VerifiedSignature& s : facts.verified)
    if (s.key_fingerprint == key.fingerprint || iequals(s.key_fingerprint, key.fingerprint))
      return true;
  return false;
}

// "2 signatures found, rejected: ..." for deny messages.
std::string signatures_found(const SignatureFacts& facts) {
  std::string found = std::to_string(facts.discovered) +
                      (facts.discovered == 1 ? " signature found" : " signatures found");
  if (!facts.rejected.empty()) found += ", rejected: " + facts.rejected.front();
  if (facts.rejected.size() > 1)
    found += " (and " + std::to_string(facts.rejected.size() - 1) + " more)";
  return found;
}

std::string unloaded_note(const SigningKey& k) {
  return k.fingerprint.empty()
             ? cat(" (key ", k.name, " from ", k.public_key_file, " is not loaded)")
             : std::string();
}

void check_signatures(const Manifest& m, Context& ctx, Emitter& e) {
  const SignatureRules& rules = *m.signatures;
  const SignatureFacts& facts = *ctx.req.facts->signatures;
  bool any_key = false;
  bool any_signed = false;
  for (const SigningKey& k : rules.keys) {
    if (!key_covers(k, ctx.name)) continue;
    any_key = true;
    bool ok = signed_by(k, facts);
    any_signed = any_signed || ok;
    if (rules.require_all && !ok)
      e.add("signatures.requireAll", [&] {
        return cat("image ", ctx.image, " is not signed by key ", k.name, " of ", m.name,
                   " (signatures.requireAll); ", signatures_found(facts), unloaded_note(k));
      });
  }
  if (!any_key) {
    e.add("signatures.keys", [&] {
      return cat("no key of ", m.name, " (signatures.keys) covers repository ", ctx.name,
                 ", so no signature of it can be trusted");
    });
    return;
  }
  if (rules.require_all || any_signed) return;
  e.add("signatures.required", [&] {
    std::string names;
    std::string notes;
    for (const SigningKey& k : rules.keys) {
      if (!key_covers(k, ctx.name)) continue;
      names += (names.empty() ? "" : ", ") + k.name;
      notes += unloaded_note(k);
    }
    return cat("image ", ctx.image, " has no valid signature by a trusted key of ", m.name,
               " (signatures.required, keys: ", names, "); ", signatures_found(facts), notes);
  });
}

const VulnerabilityException* find_exception(const VulnerabilityRules& rules, std::string_view id) {
  for (const VulnerabilityException& ex : rules.allow)
    if (iequals(ex.id, id)) return &ex;
  return nullptr;
}

// "CVE-2023-0464 (high) in openssl 3.0.11-1~deb12u1"
void describe_vulnerability(std::string& out, const Vulnerability& v, Severity s) {
  bool unknown = severity_from_string(v.severity) == Severity::Unknown;
  out.append(v.id).append(" (");
  out.append(unknown ? std::string_view("unknown severity, treated as critical") : to_string(s));
  out.append(")");
  if (!v.package.empty()) out.append(" in ").append(v.package);
  if (!v.installed_version.empty()) out.append(" ").append(v.installed_version);
}

void fix_note(std::string& out, const Vulnerability& v) {
  if (v.fixed_version.empty())
    out.append("; no fix available");
  else
    out.append("; fixed in ").append(v.fixed_version);
}

std::string format_day(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

void check_vulnerabilities(const Manifest& m, Context& ctx, Emitter& e) {
  const VulnerabilityRules& rules = *m.vulnerabilities;
  const auto& vulns = ctx.req.facts->vulnerabilities->vulnerabilities;
  ctx.index_vulnerabilities();
  auto on_deny_list = [&](const Vulnerability& v) {
    for (const std::string& id : rules.deny)
      if (iequals(v.id, id)) return true;
    return false;
  };
  if (!rules.deny.empty()) {
    for (uint32_t i : ctx.on_some_deny_list) {
      const Vulnerability& v = vulns[i];
      if (on_deny_list(v)) {
        e.add("vulnerabilities.deny", [&] {
          std::string msg = v.id;
          if (!v.package.empty()) msg.append(" in ").append(v.package);
          if (!v.installed_version.empty()) msg.append(" ").append(v.installed_version);
          msg.append(cat(" is on the deny list of ", m.name, " (vulnerabilities.deny)"));
          return msg;
        });
      }
    }
  }
  if (!rules.max_severity) return;
  Severity limit = *rules.max_severity;
  if ((rules.only_fixed ? ctx.max_fixed : ctx.max_all) <= limit) return;  // nothing exceeds it
  for (size_t i = 0; i < vulns.size(); ++i) {
    const Vulnerability& v = vulns[i];
    if (ctx.severity[i] <= limit) continue;
    if (rules.only_fixed && v.fixed_version.empty()) continue;
    if (ctx.denied_somewhere(i) && on_deny_list(v)) continue;  // already reported
    const VulnerabilityException* ex = find_exception(rules, v.id);
    if (ex && (!ex->expires || ctx.req.now < *ex->expires + std::chrono::days{1})) continue;
    e.add("vulnerabilities.maxSeverity", [&] {
      std::string msg;
      msg.reserve(192);
      describe_vulnerability(msg, v, ctx.severity[i]);
      msg.append(" exceeds the maximum severity ").append(to_string(limit));
      msg.append(" of ").append(m.name).append(" (vulnerabilities.maxSeverity)");
      fix_note(msg, v);
      if (ex)
        msg.append(cat("; its exception (", ex->reason, ") expired on ", format_day(*ex->expires)));
      return msg;
    });
  }
}

void check_facts(const Manifest& m, size_t manifest_index, Context& ctx, Emitter& e) {
  const ImageFacts* facts = ctx.req.facts;
  if (facts && facts->assessment_error) {
    e.add("assessment", "assessment of " + ctx.image + " failed: " + *facts->assessment_error +
                            " (" + m.name + " needs its facts)");
    return;
  }
  if (m.needs_content()) {
    if (!facts || !facts->content)
      e.add("content", "content not inspected: " + m.name + " has content rules (content.deny)");
    else
      check_content(m, manifest_index, ctx, e);
    e.flush();
  }
  if (m.needs_signatures()) {
    if (!facts || !facts->signatures)
      e.add("signatures",
            "signatures not checked: " + m.name + " requires a signature (signatures.required)");
    else
      check_signatures(m, ctx, e);
    e.flush();
  }
  if (m.needs_vulnerabilities()) {
    if (!facts || !facts->vulnerabilities)
      e.add("vulnerabilities", "vulnerabilities not scanned: " + m.name +
                                   " has vulnerability rules (vulnerabilities)");
    else
      check_vulnerabilities(m, ctx, e);
    e.flush();
  }
}

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::Pull:
      return "pull";
    case Stage::Push:
      return "push";
    case Stage::Deploy:
      return "deploy";
  }
  return "pull";
}

bool Verdict::has_warnings() const {
  return std::any_of(reasons.begin(), reasons.end(), [](const Reason& r) { return !r.enforced; });
}

Verdict evaluate(const ManifestSet& set, const EvaluationRequest& request) {
  Verdict verdict;
  verdict.policy_revision = set.revision();
  Context ctx(request, set);
  for (size_t i = 0; i < set.manifests().size(); ++i) {
    const Manifest& m = set.manifests()[i];
    if (!scope_matches(m.scope, request.cluster, request.namespace_name)) continue;
    verdict.manifests.push_back(m.name);
    verdict.needs.content |= m.needs_content();
    verdict.needs.signatures |= m.needs_signatures();
    verdict.needs.vulnerabilities |= m.needs_vulnerabilities();
    verdict.pin_digests |= m.pin_digests;
    if (m.mode == Mode::Enforce && m.failure_policy == FailurePolicy::Fail)
      verdict.failure_policy = FailurePolicy::Fail;

    Emitter e(verdict, m);
    check_registries(m, ctx, e);
    check_images(m, ctx, e);
    if (request.rules == RuleSet::All && m.needs_facts()) check_facts(m, i, ctx, e);
    e.flush();
  }
  for (const Reason& r : verdict.reasons)
    if (r.enforced) verdict.allowed = false;
  return verdict;
}

}  // namespace portcullis::policy
