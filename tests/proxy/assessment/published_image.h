// Builds test images with the harness's OCI layout writer and serves them
// from a FakeRegistryReader.
#pragma once

#include <string>
#include <vector>

#include "proxy/assessment/fake_registry_reader.h"
#include "tests/support/fs.h"
#include "tests/support/image.h"

namespace portcullis::proxy::assessment::testing {

inline constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";

// Manifest (by digest and tag), config and layers of `image` under `repository`.
inline void publish(FakeRegistryReader& fake, const std::string& repository,
                    const testsupport::BuiltImage& image) {
  fake.add_manifest(repository, image.manifest, kOciManifestType, image.tag);
  fake.add_blob(repository, testsupport::read_file(image.blob_path(image.config_digest)));
  for (const auto& layer : image.layers)
    fake.add_blob(repository, testsupport::read_file(image.blob_path(layer.digest)));
}

// One layer with an SSH server binary and an os-release.
inline std::vector<testsupport::TarEntry> sshd_entries() {
  using testsupport::TarEntry;
  return {TarEntry::dir("etc"), TarEntry::file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"),
          TarEntry::dir("usr"), TarEntry::dir("usr/sbin"),
          TarEntry::file("usr/sbin/sshd", std::string(4096, 'A'), 0755)};
}

inline testsupport::BuiltImage build_image(
    const std::string& layout_dir, const std::vector<std::vector<testsupport::TarEntry>>& layers,
    testsupport::Compression compression = testsupport::Compression::Gzip,
    const std::string& tag = "v1") {
  testsupport::OciLayoutBuilder builder(layout_dir, {.seed = 1, .compression = compression});
  for (const auto& entries : layers) builder.add_layer(entries);
  return builder.build(tag);
}

}  // namespace portcullis::proxy::assessment::testing
