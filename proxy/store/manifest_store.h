#pragma once
// Immutable manifests by digest, so a by-digest GET or HEAD is answered without the upstream.
// A manifest is accepted only if its bytes hash to its digest, and checked again when read:
// what this store serves is always exactly what the digest names.

#include "proxy/store/result.h"
#include "proxy/store/stats.h"
#include "proxy/store/table.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace portcullis::proxy::store {

class Database;

inline constexpr std::size_t kMaxManifestBytes = std::size_t{4} << 20;  // distribution's limit
inline constexpr std::size_t kMaxMediaType = 255;

struct ManifestInfo {
  std::string media_type;
  std::uint64_t size = 0;
  std::int64_t stored_at = 0;  // unix seconds
};

struct StoredManifest {
  ManifestInfo info;
  std::string bytes;
};

class ManifestStatter {
 public:
  virtual ~ManifestStatter() = default;
  // What a HEAD needs. not_found on a miss; corrupt (entry erased) when damaged.
  virtual Result<ManifestInfo> stat(std::string_view digest) = 0;
  // true/false, or the error when the store could not tell.
  Result<bool> has(std::string_view digest);
};

class ManifestProvider {
 public:
  virtual ~ManifestProvider() = default;
  // not_found on a miss; corrupt (entry erased) when the bytes no longer match the digest.
  virtual Result<StoredManifest> get(std::string_view digest) = 0;
};

class ManifestIngester {
 public:
  virtual ~ManifestIngester() = default;
  // digest_mismatch unless the bytes hash to `digest`; invalid_argument for a bad digest or media
  // type; too_large above kMaxManifestBytes or the cap. Putting a stored manifest again rewrites
  // it with a new stored_at and access time.
  virtual Result<void> put(std::string_view digest, std::string_view media_type,
                           std::string_view bytes) = 0;
  virtual Result<void> erase(std::string_view digest) = 0;
};

class ManifestStore : public ManifestStatter,
                      public ManifestProvider,
                      public ManifestIngester,
                      public StatsProvider {};

std::unique_ptr<ManifestStore> make_manifest_store(std::shared_ptr<Table> table);
// LMDB-backed, in sub-databases named options.name ("manifests" when empty). Throws at start-up.
std::unique_ptr<ManifestStore> make_lmdb_manifest_store(std::shared_ptr<Database> db,
                                                        TableOptions options);
std::unique_ptr<ManifestStore> make_memory_manifest_store(TableOptions options = {});

}  // namespace portcullis::proxy::store
