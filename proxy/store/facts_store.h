#pragma once
// The facts cache: encoded image facts by manifest digest and facts revision. The bytes are
// opaque here (the facts codec lives with the facts); this store keeps them with metadata,
// under a byte cap, evicting the least recently read entries first.

#include "proxy/store/result.h"
#include "proxy/store/stats.h"
#include "proxy/store/table.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::proxy::store {

class Database;

inline constexpr std::size_t kMaxFactsRevision = 256;
inline constexpr std::size_t kMaxFactsListLimit = 1000;

struct FactsKey {
  std::string digest;    // manifest digest, "sha256:<hex>"
  std::string revision;  // facts key suffix: scanner revision + vulnerability data revision
  bool operator==(const FactsKey&) const = default;
};

struct FactsMeta {
  std::int64_t stored_at = 0;  // unix seconds
  std::uint32_t encoding_version = 0;
  std::uint64_t size = 0;  // bytes of encoded facts
  bool operator==(const FactsMeta&) const = default;
};

struct FactsRecord {
  FactsMeta meta;
  std::string bytes;
};

struct FactsListing {
  FactsKey key;
  FactsMeta meta;
};

struct FactsPage {
  std::vector<FactsListing> entries;
  std::optional<FactsKey> next;  // pass as start_after for the next page; empty at the end
};

class FactsReader {
 public:
  virtual ~FactsReader() = default;
  // not_found on a miss; corrupt (and the entry is erased) when the stored record is damaged.
  virtual Result<FactsRecord> get(const FactsKey& key) = 0;
};

class FactsWriter {
 public:
  virtual ~FactsWriter() = default;
  // Inserts or replaces; stored_at is now. too_large when it can never fit under the cap.
  virtual Result<void> put(const FactsKey& key, std::string_view bytes,
                           std::uint32_t encoding_version) = 0;
  virtual Result<void> erase(const FactsKey& key) = 0;
};

class FactsLister {
 public:
  virtual ~FactsLister() = default;
  // Entries in (digest, revision) order after start_after; at most min(limit, 1000).
  virtual Result<FactsPage> list(const std::optional<FactsKey>& start_after, std::size_t limit) = 0;
};

class FactsStore : public FactsReader,
                   public FactsWriter,
                   public FactsLister,
                   public StatsProvider {};

// invalid_argument unless the digest is well formed and the revision is 1..256 bytes without NUL.
Result<void> check_facts_key(const FactsKey& key);
// The table key a FactsKey is stored under: digest, NUL, revision.
std::string facts_table_key(const FactsKey& key);

// A FactsStore over any Table (the LMDB and memory factories below use this).
std::unique_ptr<FactsStore> make_facts_store(std::shared_ptr<Table> table);
// LMDB-backed, in sub-databases named options.name ("facts" when empty). Throws at start-up only.
std::unique_ptr<FactsStore> make_lmdb_facts_store(std::shared_ptr<Database> db,
                                                  TableOptions options);
std::unique_ptr<FactsStore> make_memory_facts_store(TableOptions options = {});

}  // namespace portcullis::proxy::store
