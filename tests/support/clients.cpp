#include "tests/support/clients.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "tests/support/token_signer.h"

namespace portcullis::testsupport {
namespace {

// containers/image keeps its blob-info cache here when run as root, whatever HOME says.
constexpr const char* kRootBlobInfoCache = "/var/lib/containers/cache";

// containers/image auth.json: {"auths": {"host[:port][/path]": {"auth": base64(user:pass)}}}.
void write_auth_file(const std::string& path, const std::map<std::string, std::string>& logins) {
  nlohmann::json auths = nlohmann::json::object();
  for (const auto& [host, creds] : logins) auths[host] = {{"auth", base64_encode(creds)}};
  write_file(path, nlohmann::json{{"auths", auths}}.dump(), 0600);
}

// Private dirs and config for one containers/image client (skopeo, podman) rooted at `root`.
struct ContainersSandbox {
  std::map<std::string, std::string> env;
  std::vector<BindMount> mounts;
  std::string policy;
  std::string registries_d;
  std::string registries_conf;
  std::string auth_file;

  explicit ContainersSandbox(const std::string& root) {
    for (const char* d :
         {"home", "tmp", "run", "config", "data", "cache", "blob-info-cache", "registries.d"}) {
      make_dirs(root + "/" + d);
    }
    ::chmod((root + "/run").c_str(), 0700);
    policy = root + "/policy.json";
    write_file(policy, R"({"default":[{"type":"insecureAcceptAnything"}]})");
    registries_d = root + "/registries.d";
    registries_conf = root + "/registries.conf";
    write_file(registries_conf, "unqualified-search-registries = []\n");
    env = {{"HOME", root + "/home"},
           {"TMPDIR", root + "/tmp"},
           {"XDG_RUNTIME_DIR", root + "/run"},
           {"XDG_CONFIG_HOME", root + "/config"},
           {"XDG_DATA_HOME", root + "/data"},
           {"XDG_CACHE_HOME", root + "/cache"},
           {"REGISTRY_AUTH_FILE", root + "/auth.json"},
           {"CONTAINERS_REGISTRIES_CONF", registries_conf}};
    auth_file = root + "/auth.json";
    if (::access(auth_file.c_str(), F_OK) != 0) write_auth_file(auth_file, {});  // podman needs it
    if (::geteuid() == 0) {
      try {
        make_dirs(kRootBlobInfoCache);
        mounts.push_back({root + "/blob-info-cache", kRootBlobInfoCache});
      } catch (const std::exception&) {
        // Without the mount, runs share the machine's cache: still correct, less repeatable.
      }
    }
  }
};

// Appends FLAG VALUE, unless VALUE is empty.
void push_option(std::vector<std::string>& argv, const char* flag, const std::string& value) {
  if (value.empty()) return;
  argv.push_back(flag);
  argv.push_back(value);
}

std::string tls_verify_flag(const std::string& prefix, bool verify) {
  return "--" + prefix + "tls-verify=" + (verify ? "true" : "false");
}

void append_tls_and_creds(std::vector<std::string>& argv, const char* side, bool tls_verify,
                          const std::string& creds) {
  argv.push_back(tls_verify_flag(std::string(side) + "-", tls_verify));
  push_option(argv, (std::string("--") + side + "-creds").c_str(), creds);
}

bool unix_socket_answers(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return false;
  }
  std::copy(path.begin(), path.end(), addr.sun_path);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

}  // namespace

std::string registries_conf_with_mirror(const std::string& prefix,
                                        const std::string& mirror_location, bool insecure) {
  std::ostringstream s;
  s << "unqualified-search-registries = []\n\n"
    << "[[registry]]\n"
    << "prefix = " << toml_string(prefix) << "\n"
    << "location = " << toml_string(prefix) << "\n\n"
    << "[[registry.mirror]]\n"
    << "location = " << toml_string(mirror_location) << "\n"
    << "insecure = " << (insecure ? "true" : "false") << "\n";
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// skopeo

RunResult skopeo(const std::vector<std::string>& args, const SkopeoOptions& opts) {
  std::optional<TempDir> fresh;
  std::string root = opts.state_dir;
  if (root.empty()) {
    fresh.emplace("skopeo");
    root = fresh->path();
  }
  ContainersSandbox box(root);
  if (!opts.logins.empty()) write_auth_file(box.auth_file, opts.logins);
  std::vector<std::string> argv = {
      "skopeo",
      "--policy",
      box.policy,
      "--registries.d",
      box.registries_d,
      "--registries-conf",
      opts.registries_conf.empty() ? box.registries_conf : opts.registries_conf,
      "--tmpdir",
      root + "/tmp"};
  if (opts.debug) argv.push_back("--debug");
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv,
             {.env = box.env,
              .stdout_path = opts.log_path,
              .stderr_path = opts.log_path,
              .private_mounts = box.mounts},
             opts.timeout);
}

RunResult skopeo_copy(const std::string& src, const std::string& dst, const SkopeoOptions& opts) {
  std::vector<std::string> args = {"copy"};
  append_tls_and_creds(args, "src", opts.src_tls_verify, opts.src_creds);
  append_tls_and_creds(args, "dest", opts.dest_tls_verify, opts.dest_creds);
  args.insert(args.end(), opts.extra_args.begin(), opts.extra_args.end());
  args.push_back(src);
  args.push_back(dst);
  return skopeo(args, opts);
}

DigestResult skopeo_inspect_digest(const std::string& ref, const SkopeoOptions& opts) {
  std::vector<std::string> args = {"inspect", "--raw", tls_verify_flag("", opts.src_tls_verify)};
  push_option(args, "--creds", opts.src_creds);
  args.push_back(ref);
  DigestResult r;
  static_cast<RunResult&>(r) = skopeo(args, opts);
  // --raw prints the manifest bytes exactly as served, so their hash is the digest.
  if (r.ok()) r.digest = "sha256:" + sha256_hex(r.out);
  return r;
}

// ---------------------------------------------------------------------------------------------
// podman

Podman::Podman() {
  ContainersSandbox box(dir_.path());
  registries_conf_ = box.registries_conf;
  env_ = box.env;
  env_["CONTAINERS_STORAGE_CONF"] = dir_ / "storage.conf";
  env_["CONTAINERS_CONF"] = dir_ / "containers.conf";
  mounts_ = box.mounts;
  log_path_ = dir_ / "podman.log";
  write_file(dir_ / "storage.conf",
             "[storage]\ndriver = \"vfs\"\nrunroot = " + toml_string(dir_ / "runroot") +
                 "\ngraphroot = " + toml_string(dir_ / "root") + "\n");
  write_file(dir_ / "containers.conf",
             "[engine]\nevents_logger = \"none\"\ncgroup_manager = \"cgroupfs\"\n");
}

Podman::~Podman() = default;

void Podman::set_registries_conf(const std::string& content) {
  write_file(registries_conf_, content);
}

void Podman::set_logins(const std::map<std::string, std::string>& logins) {
  write_auth_file(env_.at("REGISTRY_AUTH_FILE"), logins);
}

RunResult Podman::podman(const std::vector<std::string>& args, Duration timeout) {
  std::vector<std::string> argv = {
      "podman",           "--root",           dir_ / "root", "--runroot",
      dir_ / "runroot",   "--storage-driver", "vfs",         "--cgroup-manager",
      "cgroupfs",         "--events-backend", "none",        "--tmpdir",
      dir_ / "libpod-tmp"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(
      argv,
      {.env = env_, .stdout_path = log_path_, .stderr_path = log_path_, .private_mounts = mounts_},
      timeout);
}

DigestResult Podman::pull(const std::string& ref, const PodmanPullOptions& opts) {
  std::vector<std::string> args = {"pull", "--quiet", tls_verify_flag("", opts.tls_verify)};
  push_option(args, "--creds", opts.creds);
  args.push_back(ref);
  DigestResult r;
  static_cast<RunResult&>(r) = podman(args, opts.timeout);
  if (!r.ok()) return r;
  RunResult inspect = podman({"image", "inspect", "--format", "{{.Digest}}", ref});
  if (!inspect.ok()) {
    static_cast<RunResult&>(r) = inspect;
    return r;
  }
  r.digest = inspect.out.substr(0, inspect.out.find_last_not_of("\n") + 1);
  return r;
}

// ---------------------------------------------------------------------------------------------
// containerd

Containerd::Containerd() {
  address_ = dir_ / "containerd.sock";
  log_path_ = dir_ / "containerd.log";
  ctr_log_path_ = dir_ / "ctr.log";
  std::ostringstream c;
  c << "version = 2\n"
    << "root = " << toml_string(dir_ / "root") << "\n"
    << "state = " << toml_string(dir_ / "state") << "\n"
    << "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\n"
    << "[grpc]\n  address = " << toml_string(address_) << "\n\n"
    << "[ttrpc]\n  address = " << toml_string(dir_ / "containerd-ttrpc.sock") << "\n\n"
    << "[debug]\n  level = \"info\"\n\n"
    << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = " << toml_string(dir_ / "opt")
    << "\n";
  write_file(dir_ / "config.toml", c.str());
  process_ = Process::spawn({"containerd", "--config", dir_ / "config.toml"},
                            {.stdout_path = log_path_, .stderr_path = log_path_});
  bool up = wait_until([&] { return !process_.running() || unix_socket_answers(address_); },
                       std::chrono::seconds(15));
  if (!up || !process_.running() || !ctr({"version"}, std::chrono::seconds(10)).ok()) {
    process_.terminate();
    std::string log;
    try {
      log = read_file(log_path_);
    } catch (const std::exception&) {
    }
    throw std::runtime_error("containerd did not start; log:\n" +
                             log.substr(log.size() > 3000 ? log.size() - 3000 : 0));
  }
}

Containerd::~Containerd() { stop(); }

void Containerd::stop() { process_.terminate(); }

RunResult Containerd::ctr(const std::vector<std::string>& args, Duration timeout) {
  std::vector<std::string> argv = {"ctr", "--address", address_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {.stdout_path = ctr_log_path_, .stderr_path = ctr_log_path_}, timeout);
}

DigestResult Containerd::pull(const std::string& ref, const CtrPullOptions& opts) {
  std::vector<std::string> args = {"images", "pull"};
  push_option(args, "--hosts-dir", opts.hosts_dir);
  if (opts.plain_http) args.push_back("--plain-http");
  push_option(args, "--user", opts.user);
  push_option(args, "--snapshotter", opts.snapshotter);
  args.push_back(ref);
  DigestResult r;
  static_cast<RunResult&>(r) = ctr(args, opts.timeout);
  if (r.ok()) r.digest = image_digest(ref);
  return r;
}

void Containerd::remove_all_images() {
  // --sync waits for the garbage collector; content removed without it stays in the backing
  // store until a later GC, and the next pull would reuse it without fetching.
  for (const char* kind : {"images", "content"}) {
    RunResult ls = ctr({kind, "ls", "--quiet"});
    std::vector<std::string> args = {kind, "rm"};
    if (std::string(kind) == "images") args.push_back("--sync");
    const size_t fixed = args.size();
    std::istringstream in(ls.out);
    std::string item;
    while (in >> item) args.push_back(item);
    if (args.size() > fixed) ctr(args);
  }
}

std::string Containerd::image_digest(const std::string& ref) {
  RunResult r = ctr({"images", "ls"});
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream cols(line);
    std::string name, type, digest;
    if (cols >> name >> type >> digest && name == ref) return digest;
  }
  return "";
}

std::string write_hosts_toml(const std::string& hosts_dir, const std::string& registry_host,
                             const std::vector<HostsTomlHost>& hosts, const std::string& server) {
  std::ostringstream t;
  t << "server = " << toml_string(server.empty() ? "https://" + registry_host : server) << "\n";
  for (const auto& h : hosts) {
    t << "\n[host." << toml_string(h.url) << "]\n"
      << "  capabilities = " << toml_array(h.capabilities) << "\n";
    if (h.skip_verify) t << "  skip_verify = true\n";
    if (!h.ca.empty()) t << "  ca = " << toml_string(h.ca) << "\n";
  }
  std::string dir = hosts_dir + "/" + registry_host;
  make_dirs(dir);
  write_file(dir + "/hosts.toml", t.str());
  return dir + "/hosts.toml";
}

}  // namespace portcullis::testsupport
