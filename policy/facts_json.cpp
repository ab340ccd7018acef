#include "policy/facts_json.h"

#include <algorithm>
#include <cstdio>

namespace portcullis::policy {
namespace {

// Thrown inside this file only and turned into a Result at the boundary.
struct FactsError {
  std::string message;
};

[[noreturn]] void fail(const std::string& where, const std::string& why) {
  throw FactsError{where + ": " + why};
}

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

void expect_object(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) fail(where, std::string("expected an object, got ") + j.type_name());
}

const nlohmann::json& array_at(const nlohmann::json& obj, const char* key,
                               const std::string& where) {
  static const nlohmann::json empty = nlohmann::json::array();
  const nlohmann::json* j = member(obj, key);
  if (!j) return empty;
  if (!j->is_array())
    fail(where + "/" + key, std::string("expected an array, got ") + j->type_name());
  return *j;
}

std::string str(const nlohmann::json& obj, const char* key, const std::string& where) {
  const nlohmann::json* j = member(obj, key);
  if (!j) return {};
  if (!j->is_string())
    fail(where + "/" + key, std::string("expected a string, got ") + j->type_name());
  return j->get<std::string>();
}

uint64_t number(const nlohmann::json& obj, const char* key, const std::string& where) {
  const nlohmann::json* j = member(obj, key);
  if (!j) return 0;
  if (!j->is_number_unsigned() && !(j->is_number_integer() && j->get<int64_t>() >= 0))
    fail(where + "/" + key, "expected a non-negative integer");
  return j->get<uint64_t>();
}

FileType file_type(const std::string& s, const std::string& where) {
  static const std::pair<const char*, FileType> kNames[] = {
      {"f", FileType::Regular},       {"file", FileType::Regular},
      {"regular", FileType::Regular}, {"d", FileType::Directory},
      {"dir", FileType::Directory},   {"directory", FileType::Directory},
      {"l", FileType::Symlink},       {"symlink", FileType::Symlink},
      {"h", FileType::Hardlink},      {"hardlink", FileType::Hardlink},
      {"c", FileType::CharDevice},    {"char", FileType::CharDevice},
      {"b", FileType::BlockDevice},   {"block", FileType::BlockDevice},
      {"p", FileType::Fifo},          {"fifo", FileType::Fifo},
      {"s", FileType::Socket},        {"socket", FileType::Socket},
  };
  for (const auto& [name, type] : kNames)
    if (s == name) return type;
  fail(where, "unknown file type \"" + s + "\"");
}

uint32_t file_mode(const nlohmann::json& obj, const std::string& where) {
  const nlohmann::json* j = member(obj, "mode");
  if (!j) return 0;
  if (j->is_number_unsigned()) return static_cast<uint32_t>(j->get<uint64_t>() & 07777);
  if (j->is_string()) {
    const std::string s = j->get<std::string>();
    if (s.empty() || s.size() > 7 || s.find_first_not_of("01234567") != std::string::npos)
      fail(where + "/mode", "\"" + s + "\" is not an octal mode");
    return static_cast<uint32_t>(std::stoul(s, nullptr, 8) & 07777);
  }
  fail(where + "/mode", "expected an octal string or an integer");
}

std::string octal(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0%o", mode & 07777);
  return buf;
}

ContentFacts read_content(const nlohmann::json& j) {
  const std::string w = "/content";
  expect_object(j, w);
  ContentFacts c;
  const auto& files = array_at(j, "files", w);
  c.files.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    std::string fw = w + "/files/" + std::to_string(i);
    expect_object(files[i], fw);
    FileEntry f;
    f.path = str(files[i], "path", fw);
    if (f.path.empty() || f.path.front() != '/') fail(fw + "/path", "expected an absolute path");
    std::string type = str(files[i], "type", fw);
    f.type = type.empty() ? FileType::Regular : file_type(type, fw + "/type");
    f.mode = file_mode(files[i], fw);
    f.size = number(files[i], "size", fw);
    f.link_target = str(files[i], "linkTarget", fw);
    c.files.push_back(std::move(f));
  }
  std::sort(c.files.begin(), c.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  if (const nlohmann::json* os = member(j, "osRelease")) {
    expect_object(*os, w + "/osRelease");
    for (const auto& [k, v] : os->items()) c.os_release[k] = str(*os, k.c_str(), w + "/osRelease");
  }
  const auto& packages = array_at(j, "packages", w);
  for (size_t i = 0; i < packages.size(); ++i) {
    std::string pw = w + "/packages/" + std::to_string(i);
    expect_object(packages[i], pw);
    c.packages.push_back(Package{str(packages[i], "ecosystem", pw), str(packages[i], "name", pw),
                                 str(packages[i], "version", pw), str(packages[i], "source", pw),
                                 str(packages[i], "arch", pw)});
  }
  const auto& findings = array_at(j, "findings", w);
  for (size_t i = 0; i < findings.size(); ++i) {
    std::string fw = w + "/findings/" + std::to_string(i);
    expect_object(findings[i], fw);
    c.findings.push_back(Finding{str(findings[i], "detector", fw), str(findings[i], "path", fw),
                                 str(findings[i], "detail", fw)});
  }
  return c;
}

SignatureFacts read_signatures(const nlohmann::json& j) {
  const std::string w = "/signatures";
  expect_object(j, w);
  SignatureFacts s;
  s.discovered = static_cast<int>(std::min<uint64_t>(number(j, "discovered", w), 1 << 30));
  const auto& verified = array_at(j, "verified", w);
  for (size_t i = 0; i < verified.size(); ++i) {
    std::string vw = w + "/verified/" + std::to_string(i);
    expect_object(verified[i], vw);
    s.verified.push_back(VerifiedSignature{str(verified[i], "keyFingerprint", vw),
                                           str(verified[i], "dockerReference", vw),
                                           str(verified[i], "source", vw)});
  }
  const auto& rejected = array_at(j, "rejected", w);
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (!rejected[i].is_string()) fail(w + "/rejected/" + std::to_string(i), "expected a string");
    s.rejected.push_back(rejected[i].get<std::string>());
  }
  return s;
}

VulnerabilityFacts read_vulnerabilities(const nlohmann::json& j) {
  const std::string w = "/vulnerabilities";
  expect_object(j, w);
  VulnerabilityFacts v;
  v.source = str(j, "source", w);
  v.db_revision = str(j, "dbRevision", w);
  const auto& list = array_at(j, "vulnerabilities", w);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string vw = w + "/vulnerabilities/" + std::to_string(i);
    expect_object(list[i], vw);
    Vulnerability x{str(list[i], "id", vw), str(list[i], "severity", vw),
                    str(list[i], "package", vw), str(list[i], "installedVersion", vw),
                    str(list[i], "fixedVersion", vw)};
    if (x.id.empty()) fail(vw + "/id", "is required");
    v.vulnerabilities.push_back(std::move(x));
  }
  return v;
}

}  // namespace

nlohmann::json facts_to_json(const ImageFacts& facts) {
  nlohmann::json out = nlohmann::json::object();
  out["manifestDigest"] = facts.manifest_digest;
  if (facts.content) {
    const ContentFacts& c = *facts.content;
    nlohmann::json files = nlohmann::json::array();
    for (const FileEntry& f : c.files) {
      nlohmann::json e = {{"path", f.path},
                          {"type", std::string(1, static_cast<char>(f.type))},
                          {"mode", octal(f.mode)},
                          {"size", f.size}};
      if (!f.link_target.empty()) e["linkTarget"] = f.link_target;
      files.push_back(std::move(e));
    }
    nlohmann::json packages = nlohmann::json::array();
    for (const Package& p : c.packages)
      packages.push_back({{"ecosystem", p.ecosystem},
                          {"name", p.name},
                          {"version", p.version},
                          {"source", p.source},
                          {"arch", p.arch}});
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& f : c.findings)
      findings.push_back({{"detector", f.detector}, {"path", f.path}, {"detail", f.detail}});
    out["content"] = {{"files", std::move(files)},
                      {"osRelease", c.os_release},
                      {"packages", std::move(packages)},
                      {"findings", std::move(findings)}};
  }
  if (facts.signatures) {
    const SignatureFacts& s = *facts.signatures;
    nlohmann::json verified = nlohmann::json::array();
    for (const VerifiedSignature& v : s.verified)
      verified.push_back({{"keyFingerprint", v.key_fingerprint},
                          {"dockerReference", v.docker_reference},
                          {"source", v.source}});
    out["signatures"] = {
        {"discovered", s.discovered}, {"verified", std::move(verified)}, {"rejected", s.rejected}};
  }
  if (facts.vulnerabilities) {
    const VulnerabilityFacts& v = *facts.vulnerabilities;
    nlohmann::json list = nlohmann::json::array();
    for (const Vulnerability& x : v.vulnerabilities)
      list.push_back({{"id", x.id},
                      {"severity", x.severity},
                      {"package", x.package},
                      {"installedVersion", x.installed_version},
                      {"fixedVersion", x.fixed_version}});
    out["vulnerabilities"] = {
        {"source", v.source}, {"dbRevision", v.db_revision}, {"vulnerabilities", std::move(list)}};
  }
  if (facts.assessment_error) out["assessmentError"] = *facts.assessment_error;
  return out;
}

Result<ImageFacts> facts_from_json(const nlohmann::json& json) {
  try {
    expect_object(json, "facts");
    ImageFacts facts;
    facts.manifest_digest = str(json, "manifestDigest", "");
    if (const nlohmann::json* c = member(json, "content")) facts.content = read_content(*c);
    if (const nlohmann::json* s = member(json, "signatures"))
      facts.signatures = read_signatures(*s);
    if (const nlohmann::json* v = member(json, "vulnerabilities"))
      facts.vulnerabilities = read_vulnerabilities(*v);
    if (member(json, "assessmentError")) facts.assessment_error = str(json, "assessmentError", "");
    return facts;
  } catch (const FactsError& e) {
    return Result<ImageFacts>::failure("invalid facts: " + e.message);
  } catch (const nlohmann::json::exception& e) {
    return Result<ImageFacts>::failure(std::string("invalid facts: ") + e.what());
  }
}

Result<ImageFacts> parse_facts_json(std::string_view text) {
  if (text.size() > kMaxFactsJsonBytes)
    return Result<ImageFacts>::failure("invalid facts: larger than 512 MiB");
  bool too_deep = false;
  nlohmann::json::parser_callback_t limit_depth = [&](int depth, nlohmann::json::parse_event_t,
                                                      nlohmann::json&) {
    if (static_cast<size_t>(depth) > kMaxFactsJsonDepth) too_deep = true;
    return !too_deep;
  };
  nlohmann::json j = nlohmann::json::parse(text, limit_depth, /*allow_exceptions=*/false);
  if (too_deep)
    return Result<ImageFacts>::failure("invalid facts: JSON nested deeper than 16 levels");
  if (j.is_discarded()) return Result<ImageFacts>::failure("invalid facts: not valid JSON");
  return facts_from_json(j);
}

}  // namespace portcullis::policy
