#include "proxy/assessment/assessment_run.h"

#include <limits>
#include <vector>

#include "proxy/assessment/bounded_json.h"
#include "proxy/store/digest.h"
#include "scanner-adapters/image_inspector.h"

namespace portcullis::proxy::assessment {
namespace {

// Remembers whether the transport failed, so a broken download is not mistaken
// for (and cached as) a malformed layer.
class TrackingSource final : public scanner::ByteSource {
 public:
  explicit TrackingSource(scanner::ByteSource& in) : in_(in) {}
  scanner::Result<size_t> read(std::span<std::byte> out) override {
    auto n = in_.read(out);
    if (!n) failed_ = true;
    return n;
  }
  bool failed() const { return failed_; }

 private:
  scanner::ByteSource& in_;
  bool failed_ = false;
};

// Reads a whole (small, bounded) blob.
scanner::Result<std::string> read_all(scanner::ByteSource& in, uint64_t max_bytes) {
  std::string out;
  std::vector<std::byte> buf(64 * 1024);
  for (;;) {
    auto n = in.read(buf);
    if (!n) return n.error();
    if (*n == 0) return out;
    if (out.size() + *n > max_bytes)
      return scanner::make_error("longer than " + std::to_string(max_bytes) + " bytes");
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
}

bool is_manifest_type(std::string_view t) {
  return t == media_types::kOciManifest || t == media_types::kDockerManifest ||
         t == media_types::kOciIndex || t == media_types::kDockerList;
}

// Blob errors are the upstream's fault whatever the code: a manifest that the
// upstream has is never "not found" because one of its blobs is missing.
Error upstream_error(const Error& e, const std::string& what) {
  const Errc code = e.code == Errc::unauthorized ? Errc::unauthorized : Errc::upstream;
  return make_error(code, what + ": " + e.message);
}

class Run {
 public:
  Run(RegistryReader& reader, std::string_view repository, std::string_view digest,
      const RunLimits& limits)
      : reader_(reader), repository_(repository), digest_(digest), limits_(limits) {
    result_.assessment.facts.manifest_digest = digest_;
  }

  Result<RunResult> run(store::ManifestIngester* manifests);

 private:
  RunResult content_error(std::string message, bool cacheable = true) {
    result_.assessment.facts.assessment_error = std::move(message);
    result_.cacheable = cacheable;
    return std::move(result_);
  }
  // nullopt when the config is fine; else the outcome.
  std::optional<Result<RunResult>> check_config();
  Result<RunResult> inspect_layers();

  RegistryReader& reader_;
  std::string repository_;
  std::string digest_;
  const RunLimits& limits_;
  RunResult result_;
};

Result<RunResult> Run::run(store::ManifestIngester* manifests) {
  auto m = reader_.manifest(repository_, digest_, limits_.max_manifest_bytes);
  if (!m) {
    if (m.error().code == Errc::too_large)
      return content_error("manifest " + digest_ + " is larger than the manifest size limit (" +
                           std::to_string(limits_.max_manifest_bytes) + " bytes)");
    return m.error();
  }
  if (!store::verify_digest(digest_, m->bytes))
    return content_error("the upstream served manifest bytes that do not match " + digest_, false);

  auto parsed = parse_manifest(m->bytes, m->media_type, limits_.manifest);
  if (!parsed) return content_error("manifest " + digest_ + ": " + parsed.error().message);
  result_.assessment.manifest = std::move(*parsed);
  const ManifestSummary& summary = result_.assessment.manifest;

  if (manifests) {
    // Served later exactly as the upstream sent it, Content-Type included.
    std::string type = normalize_media_type(m->media_type);
    if (!is_manifest_type(type)) type = summary.media_type;
    result_.manifest_stored = manifests->put(digest_, type, m->bytes).has_value();
  }

  if (summary.kind == ManifestKind::index) {
    result_.cacheable = true;  // children are assessed when requested
    return std::move(result_);
  }
  if (auto outcome = check_config()) return std::move(*outcome);
  return inspect_layers();
}

std::optional<Result<RunResult>> Run::check_config() {
  const Descriptor& config = result_.assessment.manifest.config;
  const std::string label = "image config " + config.digest;
  if (config.media_type != media_types::kOciConfig &&
      config.media_type != media_types::kDockerConfig)
    return content_error("manifest " + digest_ + " is not a container image (config media type \"" +
                         config.media_type.substr(0, 128) + "\")");
  if (config.size > limits_.max_config_bytes)
    return content_error(label + " is " + std::to_string(config.size) +
                         " bytes, more than the config size limit (" +
                         std::to_string(limits_.max_config_bytes) + " bytes)");
  auto source = reader_.blob(repository_, config.digest, limits_.max_config_bytes);
  if (!source) return upstream_error(source.error(), label);
  auto bytes = read_all(**source, limits_.max_config_bytes);
  if (!bytes) return make_error(Errc::upstream, label + ": " + bytes.error().message);
  if (!store::verify_digest(config.digest, *bytes))
    return content_error("the upstream served bytes for " + label + " that do not match its digest",
                         false);
  std::string error;
  auto json = parse_bounded_json(*bytes, limits_.manifest.max_depth, error);
  if (!json) return content_error(label + " is " + error);
  if (!json->is_object()) return content_error(label + " is not a JSON object");
  // The config names each layer's uncompressed digest: the counts must agree.
  auto rootfs = json->find("rootfs");
  if (rootfs != json->end() && rootfs->is_object()) {
    auto diff_ids = rootfs->find("diff_ids");
    const size_t layers = result_.assessment.manifest.layers.size();
    if (diff_ids != rootfs->end() && diff_ids->is_array() && diff_ids->size() != layers)
      return content_error(label + " lists " + std::to_string(diff_ids->size()) +
                           " layers (rootfs.diff_ids) but the manifest has " +
                           std::to_string(layers));
  }
  return std::nullopt;
}

Result<RunResult> Run::inspect_layers() {
  const auto& layers = result_.assessment.manifest.layers;
  scanner::ImageInspector inspector(limits_.scanner);
  // One byte over the scanner's own limit, so that limit (with its message) fires first.
  const uint64_t max_blob =
      limits_.scanner.max_compressed_bytes == std::numeric_limits<uint64_t>::max()
          ? limits_.scanner.max_compressed_bytes
          : limits_.scanner.max_compressed_bytes + 1;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Descriptor& layer = layers[i];
    const std::string position =
        "layer " + std::to_string(i + 1) + " of " + std::to_string(layers.size());
    auto source = reader_.blob(repository_, layer.digest, max_blob);
    if (!source) return upstream_error(source.error(), position + " (" + layer.digest + ")");
    TrackingSource tracked(**source);
    auto stats = inspector.add_layer(tracked, {layer.media_type, layer.digest, layer.size});
    if (stats) continue;
    const std::string& message = stats.error().message;  // names the layer and the limit
    if (tracked.failed()) return make_error(Errc::upstream, position + ": " + message);
    const bool mismatch = message.find(": digest mismatch (") != std::string::npos;
    return content_error(message, !mismatch);
  }
  auto content = inspector.finish();
  if (!content) return content_error(content.error().message);
  result_.assessment.facts.content = std::move(*content);
  result_.cacheable = true;
  return std::move(result_);
}

}  // namespace

Result<RunResult> run_assessment(RegistryReader& reader, std::string_view repository,
                                 std::string_view digest, const RunLimits& limits,
                                 store::ManifestIngester* manifests) {
  if (!is_valid_repository(repository))
    return make_error(Errc::invalid, "malformed repository name \"" +
                                         std::string(repository.substr(0, 256)) + "\"");
  if (!is_valid_digest(digest))
    return make_error(Errc::invalid,
                      "malformed manifest digest \"" + std::string(digest.substr(0, 256)) + "\"");
  return Run(reader, repository, digest, limits).run(manifests);
}

}  // namespace portcullis::proxy::assessment
