// Real Debian root filesystems for image tests, and the layers made from them.
//
//  - debootstrap_rootfs(): `debootstrap --variant=minbase [--include=...] bookworm` from the
//    mirror this machine's apt uses (never a name written into the repo), built once per cache
//    directory: concurrent test processes serialise on an flock, the tree appears by an atomic
//    rename only when complete.
//  - LayerWriter: deterministic image layers (sorted, mtime 0, numeric owners, no user names)
//    from a tree, a part of it, the difference between two trees (whiteouts or opaque
//    directories), or generated entries; then gzip (igzip), zstd or none.
//  - write_oci_layout(): an OCI layout around any layer blobs (also broken ones), for skopeo.
//
//   const std::string cache = PORTCULLIS_TEST_CACHE_DIR;   // a compile definition
//   std::string root = debootstrap_rootfs(cache, {.include = {"openssh-server"}});
//   LayerWriter w(dir / "layer.tar.gz", Compression::Gzip);
//   w.add_tree(root);
//   BuiltImage img = write_oci_layout(dir / "layout", {w.finish()}, "12");
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/image.h"

namespace portcullis::testsupport {

// ---------------------------------------------------------------------------------------------
// The Debian mirror

// URI of the first apt source that serves `suite` (e.g. "bookworm", not "bookworm-security").
// deb822 text (*.sources: "URIs:", "Suites:") and one-line text ("deb [opts] URI SUITE COMP").
// "" when none does.
std::string mirror_from_deb822(std::string_view text, std::string_view suite);
std::string mirror_from_sources_list(std::string_view text, std::string_view suite);
// The machine's apt sources: /etc/apt/sources.list.d/*.sources, then /etc/apt/sources.list and
// /etc/apt/sources.list.d/*.list. Throws std::runtime_error if none serves `suite`.
std::string apt_mirror_for_suite(std::string_view suite);

// ---------------------------------------------------------------------------------------------
// Build-once cache entries

// CACHE_DIR/NAME, created by `build(tmp)` unless it exists already. `build` fills `tmp` (an
// empty directory next to the final one); it is renamed into place when `build` returns. Under
// flock(CACHE_DIR/NAME.lock), so a concurrent caller waits and then reuses it; a half-built
// tree left by a killed run is removed first. `build` throws to fail (nothing is kept).
std::string cached_directory(const std::string& cache_dir, const std::string& name,
                             const std::function<void(const std::string& tmp)>& build);

// ---------------------------------------------------------------------------------------------
// debootstrap

struct DebootstrapSpec {
  std::string suite = "bookworm";
  std::string variant = "minbase";
  std::vector<std::string> include{};  // e.g. {"openssh-server"}

  // "bookworm-minbase", "bookworm-minbase+openssh-server": the cache entry's name.
  std::string name() const;
};

// CACHE_DIR/rootfs/<spec.name()>, built on first use (about a minute; downloaded packages are
// kept in CACHE_DIR/rootfs/debs for the next spec). Throws with debootstrap's log tail.
std::string debootstrap_rootfs(const std::string& cache_dir, const DebootstrapSpec& spec = {});

// "Version:" of `package` in ROOT/var/lib/dpkg/status if it is installed, else "".
std::string dpkg_installed_version(const std::string& root, std::string_view package);

// ---------------------------------------------------------------------------------------------
// Layers

struct LayerBlob {
  std::string path;  // the blob file
  LayerInfo info;    // media type, digest, diff_id (of the plain tar; "" if unknown), sizes
};

// How a layer says "this lower path is gone".
enum class WhiteoutStyle {
  PerPath,  // DIR/.wh.NAME for each top-most removed path
  Opaque,   // each directory that lost entries: DIR/.wh..wh..opq, then its whole new subtree
};

// One layer, streamed: a pax tar written to BLOB_PATH.tar (so memory stays flat for any size),
// then compressed into BLOB_PATH by igzip -1 / zstd -3 (or renamed). Entries are written as
// given, deterministically: mtime 0 unless set, numeric uid/gid, no user or group names.
class LayerWriter {
 public:
  LayerWriter(std::string blob_path, Compression compression);
  ~LayerWriter();
  LayerWriter(const LayerWriter&) = delete;
  LayerWriter& operator=(const LayerWriter&) = delete;

  LayerWriter& add(const TarEntry& entry);
  // The tree under `root` in sorted order, paths relative to it ("usr/sbin/sshd"); regular
  // files, directories, symlinks, hardlinks (as links to the first name written in this layer),
  // devices and fifos; sockets skipped. `include` (relative path -> keep?) selects a part;
  // a directory it rejects is not descended into.
  LayerWriter& add_tree(const std::string& root,
                        const std::function<bool(const std::string&)>& include = {});
  // The layer that turns `lower` into `upper`: entries of upper that are new or differ (type,
  // mode, owner, content, link target), and the removals in `style`. `include` as for
  // add_tree, applied to both trees.
  LayerWriter& add_tree_diff(const std::string& lower, const std::string& upper,
                             WhiteoutStyle style,
                             const std::function<bool(const std::string&)>& include = {});
  LayerWriter& add_whiteout(const std::string& path);      // "usr/sbin/sshd" -> usr/sbin/.wh.sshd
  LayerWriter& add_opaque_marker(const std::string& dir);  // "etc" -> etc/.wh..wh..opq
  // One regular file of `bytes` zero bytes, streamed (a gzip bomb's payload).
  LayerWriter& add_zeros_file(const std::string& path, uint64_t bytes);
  // `count` empty regular files under `dir`, with names that do not compress well (so a
  // compressed layer keeps a modest ratio). Fast: one reused header.
  LayerWriter& add_empty_files(const std::string& dir, uint64_t count);

  // Closes the tar, compresses, hashes. Call once.
  LayerBlob finish();

 private:
  struct Impl;
  Impl* impl_;
};

// Hashes a blob someone else made (a cut tar, a bomb): digest and size of the bytes as they
// are; diff_id given by the caller (the image config must list one per layer).
LayerBlob describe_blob(const std::string& path, std::string media_type, std::string diff_id);

// "sha256:<hex>" of a file's bytes, streamed.
std::string sha256_file(const std::string& path);

// An OCI layout at LAYOUT_DIR (blobs hard-linked, or copied across filesystems) with one image
// of `layers` in order, tagged `tag` (further calls add tags). The config lists each layer's
// diff_id. BuiltImage::layers are the blobs' LayerInfo.
BuiltImage write_oci_layout(const std::string& layout_dir, const std::vector<LayerBlob>& layers,
                            const std::string& tag, const OciLayoutOptions& options = {});

// The image tagged `tag` in an OCI layout written by write_oci_layout() or OciLayoutBuilder
// (for layouts kept in a cache). Throws if the tag is absent.
BuiltImage read_oci_layout(const std::string& layout_dir, const std::string& tag);

}  // namespace portcullis::testsupport
