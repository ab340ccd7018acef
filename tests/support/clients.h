// The real clients, isolated from the machine's state and from each other:
//  - skopeo and podman (containers/image) get their own HOME, TMPDIR, XDG dirs, auth file,
//    policy, registries.conf and, as root, a private /var/lib/containers/cache (bind-mounted
//    in a private mount namespace), so their blob-info cache cannot make runs non-repeatable;
//  - containerd runs with root, state and sockets in a temp dir, CRI disabled.
// Every call returns the RunResult (use describe() in assertion messages) and can append the
// command and its output to a log file.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/support/fs.h"
#include "tests/support/process.h"

namespace portcullis::testsupport {

struct DigestResult : RunResult {
  std::string digest;  // "sha256:..." when ok()
};

// registries.conf text: `prefix` (e.g. "registry.corp.example") is pulled through the mirror
// `mirror_location` (e.g. "127.0.0.1:5000/registry.corp.example", a path-prefix mirror).
std::string registries_conf_with_mirror(const std::string& prefix,
                                        const std::string& mirror_location, bool insecure = true);

// ---------------------------------------------------------------------------------------------
// skopeo

struct SkopeoOptions {
  std::string src_creds{};   // "user:password"; empty: anonymous
  std::string dest_creds{};  // "user:password"; empty: anonymous
  bool src_tls_verify = false;
  bool dest_tls_verify = false;
  std::string registries_conf{};  // path (skopeo 1.9 ignores CONTAINERS_REGISTRIES_CONF)
  // Credentials by registry host ("127.0.0.1:5000"), written to skopeo's private auth.json.
  // containers/image never sends --src-creds/--dest-creds to a registries.conf *mirror*: a
  // mirror that needs auth gets it only from here.
  std::map<std::string, std::string> logins{};
  // HOME, TMPDIR and blob-info cache; empty: a fresh temp dir per call (repeatable requests).
  // Give the same dir to several calls to let skopeo remember blobs (cross-repo mounts).
  std::string state_dir{};
  std::vector<std::string> extra_args{};  // for copy, before SRC DST: {"--format", "v2s2"}
  std::string log_path{};
  bool debug = false;
  Duration timeout = std::chrono::seconds(120);
};

// skopeo copy SRC DST, e.g. ("oci:/tmp/x/layout:v1", "docker://127.0.0.1:5000/team/app:v1").
RunResult skopeo_copy(const std::string& src, const std::string& dst,
                      const SkopeoOptions& opts = {});
// Digest of the manifest `ref` (docker://...) serves, exactly as served (skopeo inspect --raw).
// Uses src_creds / src_tls_verify.
DigestResult skopeo_inspect_digest(const std::string& ref, const SkopeoOptions& opts = {});
// Any skopeo subcommand with the same isolation: skopeo({"list-tags", "docker://..."}).
RunResult skopeo(const std::vector<std::string>& args, const SkopeoOptions& opts = {});

// ---------------------------------------------------------------------------------------------
// podman (as root: --root/--runroot in a temp dir, vfs, cgroupfs, no events)

struct PodmanPullOptions {
  std::string creds{};  // "user:password"
  bool tls_verify = false;
  Duration timeout = std::chrono::seconds(120);
};

class Podman {
 public:
  Podman();
  ~Podman();
  Podman(const Podman&) = delete;
  Podman& operator=(const Podman&) = delete;

  // Replaces the registries.conf podman sees (CONTAINERS_REGISTRIES_CONF); default: empty.
  void set_registries_conf(const std::string& content);
  // Credentials by registry host, in podman's private auth.json. Needed for mirrors: like
  // skopeo, podman sends --creds only to the primary registry, never to a mirror.
  void set_logins(const std::map<std::string, std::string>& logins);
  // podman pull REF, then the digest of the pulled manifest (podman image inspect {{.Digest}}).
  DigestResult pull(const std::string& ref, const PodmanPullOptions& opts = {});
  // podman with the isolating global flags: podman({"images"}).
  RunResult podman(const std::vector<std::string>& args,
                   Duration timeout = std::chrono::seconds(120));

  const std::string& registries_conf_path() const { return registries_conf_; }
  const std::string& log_path() const { return log_path_; }

 private:
  TempDir dir_{"podman"};
  std::string registries_conf_;
  std::string log_path_;
  std::map<std::string, std::string> env_;
  std::vector<BindMount> mounts_;
};

// ---------------------------------------------------------------------------------------------
// containerd + ctr

struct CtrPullOptions {
  std::string hosts_dir{};  // --hosts-dir; see write_hosts_toml()
  bool plain_http = false;  // --plain-http (only for refs without a hosts.toml)
  std::string user{};       // --user "user:password"
  // Unpack into this snapshotter; "native" works on any filesystem (overlayfs may not nest).
  std::string snapshotter = "native";
  Duration timeout = std::chrono::seconds(120);
};

class Containerd {
 public:
  // Starts containerd and waits for its socket to answer (15 s), or throws with its log.
  Containerd();
  ~Containerd();
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  const std::string& address() const { return address_; }  // gRPC unix socket path
  // ctr images pull REF, then the manifest digest containerd recorded for REF.
  DigestResult pull(const std::string& ref, const CtrPullOptions& opts = {});
  // ctr --address SOCK ARGS
  RunResult ctr(const std::vector<std::string>& args, Duration timeout = std::chrono::seconds(120));
  // Forgets every image and blob. containerd skips blobs it already has (by digest), so a
  // test that wants to see every blob fetched again starts with this.
  void remove_all_images();
  // Digest of REF in `ctr images ls`, "" if absent.
  std::string image_digest(const std::string& ref);

  const std::string& log_path() const { return log_path_; }  // containerd's own log
  const std::string& ctr_log_path() const { return ctr_log_path_; }
  void stop();

 private:
  TempDir dir_{"containerd"};
  std::string address_;
  std::string log_path_;
  std::string ctr_log_path_;
  Process process_;
};

struct HostsTomlHost {
  std::string url;  // "http://127.0.0.1:5000" (a path is allowed: "http://h:p/prefix")
  std::vector<std::string> capabilities{"pull", "resolve"};
  bool skip_verify = false;
  std::string ca{};  // CA file for https
};

// Writes HOSTS_DIR/REGISTRY_HOST/hosts.toml and returns its path. `server` is the fallback
// (default: https://REGISTRY_HOST); containerd tries the hosts first, in order.
std::string write_hosts_toml(const std::string& hosts_dir, const std::string& registry_host,
                             const std::vector<HostsTomlHost>& hosts,
                             const std::string& server = "");

}  // namespace portcullis::testsupport
