// The images the content tests pull through the proxy, as OCI layouts: real Debian 12 images
// (debootstrap, cached per build tree), small synthetic ones for the merged view, and hostile
// layers. Plus the upstream-side helpers: push, tamper with a stored blob, settle the access log.
#pragma once

#include <string>
#include <vector>

#include "tests/support/image.h"
#include "tests/support/registry.h"
#include "tests/support/rootfs.h"

namespace portcullis::testing {

// PORTCULLIS_TEST_CACHE_DIR, overridable by the environment variable of the same name.
std::string test_cache_dir();

// Debian 12 minbase images, one layer each unless said otherwise.
struct DebianImages {
  std::string sshd_version;           // openssh-server's Version in the sshd rootfs's dpkg status
  testsupport::BuiltImage plain;      // no openssh-server (gzip)
  testsupport::BuiltImage sshd;       // --include=openssh-server (gzip)
  testsupport::BuiltImage sshd_zstd;  // the same tree as a zstd layer
  // Two layers: the sshd tree, then the diff to the plain tree (sshd purged, with per-path
  // whiteouts, or with opaque directories). Their merged view is the plain tree.
  testsupport::BuiltImage purged;
  testsupport::BuiltImage purged_opaque;
};
// Built once per cache dir (debootstrap twice, about two minutes); later calls read the layout.
DebianImages debian_images();

// Hostile layers, each a one-layer image; built once per cache dir (the bomb and the million
// files take a few seconds).
struct HostileImages {
  testsupport::BuiltImage gzip_bomb;   // a tar of 1 GiB of zeros, gzip: ~1 MB
  testsupport::BuiltImage dot_dot;     // entry "../etc/passwd"
  testsupport::BuiltImage absolute;    // entry "/etc/cron.d/evil"
  testsupport::BuiltImage truncated;   // plain tar cut inside a file's data
  testsupport::BuiltImage many_files;  // 1,000,000 empty files, gzip
  testsupport::BuiltImage tampered;    // a good image; its layer is corrupted upstream later
  testsupport::BuiltImage good;        // a good image pulled after each hostile one
};
HostileImages hostile_images();

// skopeo copy of `image` to REGISTRY/REPO_TAG ("adv/bomb:1"); ASSERTs inside a gtest.
// containers/image compresses plain tar layers on the way (new digests): use push_exact for those.
void push(const testsupport::BuiltImage& image, const testsupport::DockerRegistry& registry,
          const std::string& repo_tag);
// The layout's bytes exactly, through the registry API (monolithic blob uploads, manifest PUT).
// Blobs are held in memory one at a time: for small images.
void push_exact(const testsupport::BuiltImage& image, const testsupport::DockerRegistry& registry,
                const std::string& repo, const std::string& tag);

// PUT /v2/REPO/manifests/TAG of `body` as `media_type`; ASSERTs inside a gtest.
void put_manifest(const testsupport::DockerRegistry& registry, const std::string& repo,
                  const std::string& tag, const std::string& media_type, const std::string& body);
// An OCI index of `children` (image, "os/architecture"), as exact bytes.
std::string oci_index(
    const std::vector<std::pair<const testsupport::BuiltImage*, std::string>>& children);

// Overwrites the bytes the registry stores for `digest` with different bytes of the same size,
// so it serves them under the old digest and size (docker-registry never re-hashes on GET).
void corrupt_stored_blob(const testsupport::DockerRegistry& registry, const std::string& digest);

// The registry's access log once every request it has answered so far is in it: sends a marker
// request and waits for its line (lines are written just after each response). Marker lines
// are left out.
std::vector<testsupport::AccessLogEntry> settled_access_log(
    const testsupport::DockerRegistry& registry);

// Upstream GETs of /v2/<repo>/blobs/<digest> in `log`.
size_t blob_gets(const std::vector<testsupport::AccessLogEntry>& log, const std::string& repo,
                 const std::string& digest);
size_t all_blob_requests(const std::vector<testsupport::AccessLogEntry>& log);

}  // namespace portcullis::testing
