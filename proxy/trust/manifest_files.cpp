#include "proxy/trust/manifest_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "signing/keys.h"

namespace portcullis::proxy::trust {
namespace {

namespace fs = std::filesystem;

// Hidden entries are skipped: a Kubernetes ConfigMap volume keeps each file
// twice, behind "..data" and a hidden timestamped directory.
bool is_manifest_file(const fs::path& p) {
  const auto name = p.filename().string();
  return !name.empty() && name[0] != '.' && (p.extension() == ".yaml" || p.extension() == ".yml");
}

}  // namespace

LoadedManifests load_manifest_files(const std::vector<std::string>& paths) {
  LoadedManifests out;
  policy::ManifestSetBuilder builder;
  std::vector<policy::Diagnostic> io_errors;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (entry.is_regular_file() && is_manifest_file(entry.path())) found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.files.push_back(p);
    } else {
      io_errors.push_back({p, 0, 0, "no such file or directory"});
    }
  }
  for (const auto& file : out.files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) {
      io_errors.push_back({file, 0, 0, "cannot read the file"});
      continue;
    }
    if (text.str().size() > policy::kMaxManifestFileBytes) {
      io_errors.push_back({file, 0, 0, "file exceeds the 4 MiB limit for Trust Manifests"});
      continue;
    }
    builder.add(text.str(), file);
  }
  builder.resolve_keys([](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return policy::KeyLoad{"", std::strerror(errno)};
    std::string pem(64 * 1024, '\0');
    in.read(pem.data(), static_cast<std::streamsize>(pem.size()));
    pem.resize(static_cast<size_t>(in.gcount()));
    auto key = signing::load_public_key_pem(pem);
    if (!key) return policy::KeyLoad{"", key.error().message};
    return policy::KeyLoad{key->fingerprint(), ""};
  });
  out.diagnostics = std::move(io_errors);
  for (auto& d : builder.diagnostics()) out.diagnostics.push_back(std::move(d));
  if (out.diagnostics.empty()) out.set = builder.build();
  return out;
}

}  // namespace portcullis::proxy::trust
