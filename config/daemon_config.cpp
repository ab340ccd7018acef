#include "config/daemon_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace portcullis::config {
namespace {

namespace fs = std::filesystem;

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

// Collects "file:line:col: message" diagnostics while walking the YAML tree.
class Reader {
 public:
  Reader(std::string file, std::string base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  void error(const YAML::Node& at, const std::string& message) {
    problems_.push_back(where(at) + ": " + message);
  }
  // "file:line:col" of a node, for checks made later (at start-up).
  std::string where(const YAML::Node& at) const {
    const auto mark = at.Mark();
    std::ostringstream s;
    s << file_ << ":" << (mark.line + 1) << ":" << (mark.column + 1);
    return s.str();
  }
  void error_at_file(const std::string& message) { problems_.push_back(file_ + ": " + message); }

  // Reports keys of `map` that are not in `known`; returns false if `map` is not a map.
  bool expect_map(const YAML::Node& map, const std::string& what,
                  std::initializer_list<const char*> known) {
    if (!map.IsMap()) {
      error(map, what + " must be a mapping");
      return false;
    }
    std::set<std::string> allowed(known.begin(), known.end());
    for (const auto& kv : map) {
      const auto key = kv.first.as<std::string>();
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
        error(kv.first,
              "unknown key \"" + key + "\" in " + what + " (expected one of: " + list + ")");
      }
    }
    return true;
  }

  std::optional<std::string> string(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) {
      error(node, what + " must be a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& what) {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      error(node, what + " must be true or false");
      return std::nullopt;
    }
    return value;
  }

  struct Unit {
    const char* suffix;
    uint64_t factor;
  };

  // A number with a unit suffix from `units` ("" is the bare number's unit).
  std::optional<uint64_t> scaled(const YAML::Node& node, const std::string& what, const char* kind,
                                 std::initializer_list<Unit> units, const char* unit_list) {
    auto text = string(node, what);
    if (!text) return std::nullopt;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    std::string unit(end, static_cast<const char*>(text->data() + text->size()));
    if (ec != std::errc() || end == text->data()) {
      error(node, what + " must be " + kind);
      return std::nullopt;
    }
    for (const auto& u : units)
      if (unit == u.suffix) return value * u.factor;
    error(node, what + " has an unknown unit \"" + unit + "\" (use " + unit_list + ")");
    return std::nullopt;
  }

  // "250ms", "3s", "2m", "1h"; a bare number means seconds.
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node,
                                                    const std::string& what) {
    auto ms = scaled(node, what, "a duration like 500ms, 3s or 2m",
                     {{"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60'000}, {"h", 3'600'000}},
                     "ms, s, m or h");
    if (!ms) return std::nullopt;
    return std::chrono::milliseconds(*ms);
  }

  // "4MiB", "2GiB", "512KiB", or a plain byte count.
  std::optional<uint64_t> size(const YAML::Node& node, const std::string& what) {
    return scaled(node, what, "a size like 4MiB or 1048576",
                  {{"", 1},
                   {"B", 1},
                   {"KiB", 1ull << 10},
                   {"MiB", 1ull << 20},
                   {"GiB", 1ull << 30},
                   {"TiB", 1ull << 40}},
                  "B, KiB, MiB, GiB or TiB");
  }

  std::vector<std::string> string_list(const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (!node.IsSequence()) {
      error(node, what + " must be a list of strings");
      return out;
    }
    for (const auto& item : node)
      if (auto s = string(item, what + " entry")) out.push_back(*s);
    return out;
  }

  std::string resolve_path(const std::string& p) const {
    if (p.empty() || fs::path(p).is_absolute()) return p;
    return (fs::path(base_dir_) / p).lexically_normal().string();
  }

  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<std::string> problems_;
};

void parse_address(Reader& r, const YAML::Node& node, Listener& out) {
  auto text = r.string(node, "listen.address");
  if (!text) return;
  const auto colon = text->rfind(':');
  if (colon == std::string::npos) {
    r.error(node, "listen.address must be host:port, got \"" + *text + "\"");
    return;
  }
  std::string host = text->substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string port_text = text->substr(colon + 1);
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    r.error(node,
            "listen.address must be host:port with a port from 0 to 65535, got \"" + *text + "\"");
    return;
  }
  out.host = host;
  out.port = static_cast<uint16_t>(port);
}

void parse_listeners(Reader& r, const YAML::Node& node, DaemonConfig& cfg) {
  if (!node.IsSequence() || node.size() == 0) {
    r.error(node, "listen must be a non-empty list of listeners");
    return;
  }
  for (const auto& item : node) {
    if (!r.expect_map(item, "listen entry", {"address", "tls", "defaultUpstream"})) continue;
    Listener l;
    if (item["address"])
      parse_address(r, item["address"], l);
    else
      r.error(item, "listen entry needs an address");
    if (const auto tls = item["tls"]) {
      if (r.expect_map(tls, "listen.tls", {"cert", "key"})) {
        TlsFiles files;
        if (tls["cert"])
          files.cert = r.resolve_path(r.string(tls["cert"], "tls.cert").value_or(""));
        if (tls["key"]) files.key = r.resolve_path(r.string(tls["key"], "tls.key").value_or(""));
        if (files.cert.empty() || files.key.empty())
          r.error(tls, "listen.tls needs both cert and key");
        l.tls = files;
      }
    }
    if (item["defaultUpstream"])
      l.default_upstream = r.string(item["defaultUpstream"], "defaultUpstream").value_or("");
    cfg.listen.push_back(std::move(l));
  }
}

bool valid_upstream_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

void parse_upstreams(Reader& r, const YAML::Node& node, DaemonConfig& cfg) {
  if (!node.IsSequence() || node.size() == 0) {
    r.error(node, "upstreams must be a non-empty list");
    return;
  }
  std::set<std::string> names;
  for (const auto& item : node) {
    if (!r.expect_map(item, "upstream", {"name", "url", "auth", "ca", "insecureSkipVerify"}))
      continue;
    Upstream u;
    if (item["name"]) u.name = r.string(item["name"], "upstream name").value_or("");
    if (u.name.empty()) r.error(item, "upstream needs a name (the registry host clients use)");
    if (!u.name.empty() && !names.insert(u.name).second)
      r.error(item["name"], "upstream \"" + u.name + "\" is declared twice");
    if (item["url"]) {
      u.url = r.string(item["url"], "upstream url").value_or("");
      while (!u.url.empty() && u.url.back() == '/') u.url.pop_back();
      if (!valid_upstream_url(u.url))
        r.error(item["url"],
                "upstream url must start with http:// or https://, got \"" + u.url + "\"");
    } else {
      r.error(item, "upstream \"" + u.name + "\" needs a url");
    }
    if (const auto auth = item["auth"]) {
      if (r.expect_map(auth, "upstream auth", {"username", "password", "passwordFile"})) {
        UpstreamAuth a;
        if (auth["username"]) a.username = r.string(auth["username"], "auth.username").value_or("");
        if (auth["password"] && auth["passwordFile"])
          r.error(auth, "auth takes password or passwordFile, not both");
        if (auth["password"]) a.password = r.string(auth["password"], "auth.password").value_or("");
        if (auth["passwordFile"])
          a.password_file =
              r.resolve_path(r.string(auth["passwordFile"], "auth.passwordFile").value_or(""));
        if (a.username.empty()) r.error(auth, "auth needs a username");
        u.auth = a;
      }
    }
    if (item["ca"]) u.ca = r.resolve_path(r.string(item["ca"], "upstream ca").value_or(""));
    if (item["insecureSkipVerify"])
      u.insecure_skip_verify =
          r.boolean(item["insecureSkipVerify"], "insecureSkipVerify").value_or(false);
    cfg.upstreams.push_back(std::move(u));
  }
}

void parse_timeouts(Reader& r, const YAML::Node& node, Timeouts& t) {
  if (!r.expect_map(node, "timeouts", {"connect", "header", "idleBody", "drain"})) return;
  if (node["connect"])
    t.connect = r.duration(node["connect"], "timeouts.connect").value_or(t.connect);
  if (node["header"]) t.header = r.duration(node["header"], "timeouts.header").value_or(t.header);
  if (node["idleBody"])
    t.idle_body = r.duration(node["idleBody"], "timeouts.idleBody").value_or(t.idle_body);
  if (node["drain"]) t.drain = r.duration(node["drain"], "timeouts.drain").value_or(t.drain);
}

void parse_limits(Reader& r, const YAML::Node& node, Limits& l) {
  if (!r.expect_map(node, "limits",
                    {"maxManifestBytes", "maxUploadBytes", "maxHeaderBytes", "relayBufferBytes"}))
    return;
  if (node["maxManifestBytes"])
    l.max_manifest_bytes =
        r.size(node["maxManifestBytes"], "limits.maxManifestBytes").value_or(l.max_manifest_bytes);
  if (node["maxUploadBytes"])
    l.max_upload_bytes =
        r.size(node["maxUploadBytes"], "limits.maxUploadBytes").value_or(l.max_upload_bytes);
  if (node["maxHeaderBytes"])
    l.max_header_bytes = static_cast<uint32_t>(
        r.size(node["maxHeaderBytes"], "limits.maxHeaderBytes").value_or(l.max_header_bytes));
  if (node["relayBufferBytes"])
    l.relay_buffer_bytes = static_cast<uint32_t>(
        r.size(node["relayBufferBytes"], "limits.relayBufferBytes").value_or(l.relay_buffer_bytes));
  if (l.relay_buffer_bytes < 4096 || l.relay_buffer_bytes > (16u << 20))
    r.error(node["relayBufferBytes"] ? node["relayBufferBytes"] : node,
            "limits.relayBufferBytes must be between 4KiB and 16MiB");
}

bool valid_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

void parse_signing(Reader& r, const YAML::Node& node, DaemonConfig& cfg) {
  if (!r.expect_map(node, "signing",
                    {"key", "passphraseFile", "passphraseEnv", "repositories", "identity"}))
    return;
  Signing s;
  s.location = r.where(node);
  if (node["key"]) s.key = r.resolve_path(r.string(node["key"], "signing.key").value_or(""));
  if (node["passphraseFile"] && node["passphraseEnv"])
    r.error(node, "signing takes passphraseFile or passphraseEnv, not both");
  if (node["passphraseFile"])
    s.passphrase_file =
        r.resolve_path(r.string(node["passphraseFile"], "signing.passphraseFile").value_or(""));
  if (const auto env = node["passphraseEnv"]) {
    s.passphrase_env = r.string(env, "signing.passphraseEnv").value_or("");
    if (!valid_env_name(s.passphrase_env))
      r.error(env, "signing.passphraseEnv must name an environment variable, got \"" +
                       s.passphrase_env + "\"");
  }
  if (const auto repos = node["repositories"]) {
    if (!repos.IsSequence() || repos.size() == 0) {
      r.error(repos, "signing.repositories must be a non-empty list of repository patterns");
    } else {
      for (const auto& item : repos) {
        auto pattern = r.string(item, "signing.repositories entry");
        if (!pattern) continue;
        if (pattern->empty()) {
          r.error(item, "signing.repositories entry must not be empty");
          continue;
        }
        s.repositories.push_back(*pattern);
        s.repository_locations.push_back(r.where(item));
      }
    }
  }
  if (node["identity"])
    s.identity = r.boolean(node["identity"], "signing.identity").value_or(false);
  if (!s.key.empty() && !node["repositories"])
    r.error(
        node,
        "signing.key needs signing.repositories: the repository patterns whose pushes are signed "
        "(\"**\" for all)");
  if (s.key.empty() && (node["repositories"] || node["passphraseFile"] || node["passphraseEnv"]))
    r.error(node,
            "signing.repositories and the passphrase need signing.key (the private key file)");
  cfg.signing = std::move(s);
}

void check_references(Reader& r, const YAML::Node& root, DaemonConfig& cfg) {
  std::set<std::string> names;
  for (const auto& u : cfg.upstreams) names.insert(u.name);
  const auto listen = root["listen"];
  for (size_t i = 0; i < cfg.listen.size(); ++i) {
    const auto& d = cfg.listen[i].default_upstream;
    if (!d.empty() && !names.count(d))
      r.error(listen[i]["defaultUpstream"],
              "defaultUpstream \"" + d + "\" is not one of the declared upstreams");
  }
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_lines(problems)), problems_(std::move(problems)) {}

DaemonConfig parse_daemon_config(const std::string& yaml_text, const std::string& display_name,
                                 const std::string& base_dir) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream s;
    s << display_name << ":" << (e.mark.line + 1) << ":" << (e.mark.column + 1) << ": " << e.msg;
    throw ConfigError({s.str()});
  }
  Reader r(display_name, base_dir);
  DaemonConfig cfg;
  cfg.source_file = display_name;
  if (!r.expect_map(root, "the config",
                    {"listen", "upstreams", "clientAuth", "store", "manifests", "cluster",
                     "strictBlobs", "accessLog", "timeouts", "limits", "admission", "signing"}))
    throw ConfigError(r.problems());

  if (root["listen"])
    parse_listeners(r, root["listen"], cfg);
  else
    r.error_at_file("missing required key \"listen\"");
  if (root["upstreams"])
    parse_upstreams(r, root["upstreams"], cfg);
  else
    r.error_at_file("missing required key \"upstreams\"");
  if (const auto ca = root["clientAuth"]) {
    if (r.expect_map(ca, "clientAuth", {"htpasswd"}) && ca["htpasswd"])
      cfg.client_auth.htpasswd =
          r.resolve_path(r.string(ca["htpasswd"], "clientAuth.htpasswd").value_or(""));
  }
  if (const auto st = root["store"]) {
    if (r.expect_map(st, "store", {"path", "maxBytes"})) {
      if (st["path"])
        cfg.store.path = r.resolve_path(r.string(st["path"], "store.path").value_or(""));
      if (st["maxBytes"])
        cfg.store.max_bytes =
            r.size(st["maxBytes"], "store.maxBytes").value_or(cfg.store.max_bytes);
    }
  }
  if (root["manifests"])
    for (const auto& p : r.string_list(root["manifests"], "manifests"))
      cfg.manifests.push_back(r.resolve_path(p));
  if (root["cluster"]) cfg.cluster = r.string(root["cluster"], "cluster").value_or(cfg.cluster);
  if (root["strictBlobs"])
    cfg.strict_blobs = r.boolean(root["strictBlobs"], "strictBlobs").value_or(true);
  if (root["accessLog"]) {
    cfg.access_log = r.string(root["accessLog"], "accessLog").value_or("-");
    if (cfg.access_log != "-" && !cfg.access_log.empty())
      cfg.access_log = r.resolve_path(cfg.access_log);
  }
  if (root["timeouts"]) parse_timeouts(r, root["timeouts"], cfg.timeouts);
  if (root["limits"]) parse_limits(r, root["limits"], cfg.limits);
  if (const auto adm = root["admission"]) {
    if (r.expect_map(adm, "admission", {"deadline", "exemptNamespaces"})) {
      if (adm["deadline"])
        cfg.admission.deadline =
            r.duration(adm["deadline"], "admission.deadline").value_or(cfg.admission.deadline);
      if (adm["exemptNamespaces"])
        cfg.admission.exempt_namespaces =
            r.string_list(adm["exemptNamespaces"], "admission.exemptNamespaces");
    }
  }
  if (root["signing"]) parse_signing(r, root["signing"], cfg);
  check_references(r, root, cfg);
  if (!r.problems().empty()) throw ConfigError(r.problems());
  return cfg;
}

DaemonConfig load_daemon_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path + ": cannot read the config file"});
  std::stringstream text;
  text << in.rdbuf();
  const auto base = fs::absolute(fs::path(path)).parent_path().string();
  return parse_daemon_config(text.str(), path, base);
}

}  // namespace portcullis::config
