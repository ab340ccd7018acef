#include "proxy/signatures/signature_discovery.h"

#include "proxy/store/digest.h"

namespace portcullis::proxy::signatures {
namespace {

// Payload bytes by digest from an earlier discovery of the same image.
const std::string* previous_payload(const Discovered* previous, const std::string& digest) {
  if (!previous) return nullptr;
  for (const auto& src : previous->sources)
    if (auto it = src.payloads.find(digest); it != src.payloads.end()) return &it->second;
  return nullptr;
}

const signing::SignatureSource* previous_source(const Discovered* previous,
                                                const std::string& name) {
  if (!previous) return nullptr;
  for (const auto& src : previous->sources)
    if (src.source == name) return &src;
  return nullptr;
}

bool is_referrer_source(const signing::SignatureSource& src) {
  return src.source.rfind("referrer", 0) == 0;  // "referrer:" and "referrers:"
}

signing::SignatureSource refused(std::string name, std::string why, size_t discovered = 1) {
  signing::SignatureSource src;
  src.source = std::move(name);
  src.manifest.discovered = discovered;
  src.manifest.rejected.push_back(std::move(why));
  return src;
}

// Parses one signature manifest and fetches its payloads within the budget.
// Only an upstream that could not be asked is an error; everything wrong
// with the content becomes a rejection reason.
awaitable<Result<signing::SignatureSource>> load_source(RegistryClient& client, std::string name,
                                                        std::string manifest_bytes,
                                                        const DiscoveryOptions& options,
                                                        const Discovered* previous,
                                                        size_t& budget) {
  auto parsed = signing::parse_signature_manifest(manifest_bytes, options.limits);
  if (!parsed) {
    signing::SignatureSource bad =
        refused(name, "not a usable signature manifest: " + parsed.error().message);
    co_return bad;
  }
  signing::SignatureSource src;
  src.source = std::move(name);
  src.manifest = std::move(*parsed);
  for (const auto& layer : src.manifest.signatures) {
    const std::string& d = layer.payload_digest;
    if (src.payloads.count(d) || src.fetch_errors.count(d)) continue;
    if (const std::string* held = previous_payload(previous, d)) {
      src.payloads[d] = *held;
      continue;
    }
    if (budget == 0) {
      src.fetch_errors[d] = "more than " + std::to_string(options.max_payload_fetches) +
                            " payloads in one discovery; the rest were not fetched";
      continue;
    }
    --budget;
    const std::string digest = d;
    const uint64_t size = layer.payload_size;
    auto bytes = co_await client.blob(digest, size);
    if (bytes) {
      src.payloads[d] = std::move(*bytes);
    } else if (bytes.error().code == Errc::not_found) {
      src.fetch_errors[d] = "the registry has no blob " + d;
    } else if (bytes.error().code == Errc::too_large) {
      src.fetch_errors[d] =
          "the blob is larger than its descriptor's " + std::to_string(size) + " bytes";
    } else {
      co_return bytes.error();
    }
  }
  co_return src;
}

awaitable<Result<void>> discover_tag(RegistryClient& client, Discovered& out,
                                     const DiscoveryOptions& options, const Discovered* previous,
                                     size_t& budget) {
  const std::string tag = out.signature_tag;
  const std::string name = signing::tag_source(tag);
  auto doc = co_await client.manifest(tag, options.limits.max_manifest_bytes);
  if (!doc && doc.error().code == Errc::too_large) {
    // Keep its digest, so the next HEAD sees it unchanged and asks nothing more.
    auto digest = co_await client.manifest_digest(tag);
    if (!digest) co_return digest.error();
    out.tag_digest = *digest;
    out.sources.push_back(refused(name, "the signature manifest is larger than " +
                                            std::to_string(options.limits.max_manifest_bytes) +
                                            " bytes; not read"));
    co_return Result<void>();
  }
  if (!doc) co_return doc.error();
  if (!*doc) co_return Result<void>();  // no .sig tag
  out.tag_digest = (*doc)->digest;
  if (const auto* same = previous_source(previous, name);
      same && previous->tag_digest == out.tag_digest && same->fetch_errors.empty()) {
    out.sources.push_back(*same);
    co_return Result<void>();
  }
  std::string bytes = std::move((*doc)->bytes);
  auto src = co_await load_source(client, name, std::move(bytes), options, previous, budget);
  if (!src) co_return src.error();
  out.sources.push_back(std::move(*src));
  co_return Result<void>();
}

awaitable<Result<void>> discover_referrers(RegistryClient& client, const std::string& digest,
                                           Discovered& out, const DiscoveryOptions& options,
                                           const Discovered* previous, size_t& budget) {
  const std::string index_name = "referrers:" + digest;
  auto index = co_await client.referrers(digest, options.limits.max_manifest_bytes);
  if (!index && index.error().code == Errc::too_large) {
    out.referrers_supported = true;
    out.sources.push_back(refused(index_name, index.error().message, 0));
    co_return Result<void>();
  }
  if (!index) co_return index.error();
  if (!*index) co_return Result<void>();  // the registry has no referrers API
  out.referrers_supported = true;
  out.referrers_digest = store::sha256_digest(**index);
  auto selection = signing::parse_referrers_index(**index, options.limits);
  if (!selection) {
    out.sources.push_back(
        refused(index_name, "malformed referrers index: " + selection.error().message, 0));
    co_return Result<void>();
  }
  if (!selection->rejected.empty())
    out.sources.push_back(signing::refused_referrers_source(digest, *selection));
  for (const auto& ref : selection->signatures) {
    const std::string name = signing::referrer_source(ref.digest);
    if (const auto* same = previous_source(previous, name); same && same->fetch_errors.empty()) {
      out.sources.push_back(*same);  // a referrer manifest is immutable: its digest names it
      continue;
    }
    const std::string ref_digest = ref.digest;
    const uint64_t max_bytes = std::min<uint64_t>(ref.size, options.limits.max_manifest_bytes);
    auto doc = co_await client.manifest(ref_digest, max_bytes);
    if (!doc && doc.error().code == Errc::too_large) {
      out.sources.push_back(refused(name, "the referrer manifest is larger than its descriptor's " +
                                              std::to_string(ref.size) + " bytes"));
      continue;
    }
    if (!doc) co_return doc.error();
    if (!*doc) {
      out.sources.push_back(refused(name,
                                    "listed by the referrers API, but the registry has no "
                                    "such manifest"));
      continue;
    }
    std::string bytes = std::move((*doc)->bytes);
    auto src = co_await load_source(client, name, std::move(bytes), options, previous, budget);
    if (!src) co_return src.error();
    out.sources.push_back(std::move(*src));
  }
  co_return Result<void>();
}

}  // namespace

awaitable<Result<Discovered>> discover_signatures(RegistryClient& client, std::string digest,
                                                  DiscoveryOptions options,
                                                  const Discovered* previous) {
  Discovered out;
  auto tag = signing::signature_tag_for(digest);
  if (!tag) {
    Error e = assessment::make_error(Errc::invalid, tag.error().message);
    co_return e;
  }
  out.signature_tag = *tag;
  const size_t before = client.requests();
  size_t budget = options.max_payload_fetches;
  auto tag_done = co_await discover_tag(client, out, options, previous, budget);
  if (!tag_done) co_return tag_done.error();
  if (options.query_referrers) {
    auto referrers_done =
        co_await discover_referrers(client, digest, out, options, previous, budget);
    if (!referrers_done) co_return referrers_done.error();
  } else if (previous) {
    out.referrers_supported = previous->referrers_supported;
    out.referrers_digest = previous->referrers_digest;
    for (const auto& src : previous->sources)
      if (is_referrer_source(src)) out.sources.push_back(src);
  }
  out.requests = client.requests() - before;
  co_return out;
}

}  // namespace portcullis::proxy::signatures
