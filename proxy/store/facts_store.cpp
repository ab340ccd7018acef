#include "proxy/store/facts_store.h"

#include "proxy/store/digest.h"
#include "proxy/store/lmdb_table.h"
#include "proxy/store/memory_table.h"
#include "proxy/store/record.h"

#include <algorithm>

namespace portcullis::proxy::store {
namespace {

std::string describe(const FactsKey& key) { return key.digest + " (" + key.revision + ")"; }

FactsKey split_key(std::string_view tkey) {
  auto nul = tkey.find('\0');
  if (nul == std::string_view::npos) return FactsKey{std::string(tkey), {}};
  return FactsKey{std::string(tkey.substr(0, nul)), std::string(tkey.substr(nul + 1))};
}

class TableFactsStore final : public FactsStore {
 public:
  explicit TableFactsStore(std::shared_ptr<Table> table) : table_(std::move(table)) {}

  Result<FactsRecord> get(const FactsKey& key) override {
    if (auto ok = check_facts_key(key); !ok) return ok.error();
    const std::string tkey = facts_table_key(key);
    auto raw = table_->get(tkey);
    if (!raw) {
      StoreError e = raw.error();
      if (is_not_found(e)) e.message = "no facts for " + describe(key);
      return e;
    }
    auto rec = decode_record(*raw);
    if (!rec) {
      // A damaged record is a miss that must not come back: drop it so the next put heals it.
      (void)table_->erase(tkey);
      return StoreError{StoreErrc::corrupt,
                        "facts for " + describe(key) + ": " + rec.error().message + "; erased"};
    }
    return FactsRecord{FactsMeta{rec->stored_at, rec->version, rec->size},
                       std::string(rec->payload)};
  }

  Result<void> put(const FactsKey& key, std::string_view bytes,
                   std::uint32_t encoding_version) override {
    if (auto ok = check_facts_key(key); !ok) return ok;
    return table_->put(facts_table_key(key),
                       encode_record(table_->now(), encoding_version, {}, bytes));
  }

  Result<void> erase(const FactsKey& key) override {
    if (auto ok = check_facts_key(key); !ok) return ok;
    return table_->erase(facts_table_key(key));
  }

  Result<FactsPage> list(const std::optional<FactsKey>& start_after, std::size_t limit) override {
    limit = std::min(limit, kMaxFactsListLimit);
    std::string after = start_after ? facts_table_key(*start_after) : std::string();
    FactsPage page;
    auto rows = table_->scan(after, limit, kRecordFixedHeader);
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      auto rec = decode_record(row.value, /*header_only=*/true);
      if (!rec) continue;  // damaged; the next get of it erases it
      page.entries.push_back(
          FactsListing{split_key(row.key), FactsMeta{rec->stored_at, rec->version, rec->size}});
    }
    // A full page may have more after it; the caller learns it is done from an empty page.
    if (limit > 0 && rows->size() == limit) page.next = split_key(rows->back().key);
    return page;
  }

  Result<StoreStats> stats() override { return table_->stats(); }

 private:
  std::shared_ptr<Table> table_;
};

}  // namespace

Result<void> check_facts_key(const FactsKey& key) {
  if (auto ok = check_digest(key.digest); !ok) return ok;
  if (key.revision.empty() || key.revision.size() > kMaxFactsRevision ||
      key.revision.find('\0') != std::string::npos) {
    return StoreError{
        StoreErrc::invalid_argument,
        "facts revision must be 1.." + std::to_string(kMaxFactsRevision) + " bytes without NUL"};
  }
  return {};
}

std::string facts_table_key(const FactsKey& key) {
  std::string k = key.digest;
  k.push_back('\0');
  k.append(key.revision);
  return k;
}

std::unique_ptr<FactsStore> make_facts_store(std::shared_ptr<Table> table) {
  return std::make_unique<TableFactsStore>(std::move(table));
}

std::unique_ptr<FactsStore> make_lmdb_facts_store(std::shared_ptr<Database> db,
                                                  TableOptions options) {
  if (options.name.empty()) options.name = "facts";
  return make_facts_store(std::make_shared<LmdbTable>(std::move(db), std::move(options)));
}

std::unique_ptr<FactsStore> make_memory_facts_store(TableOptions options) {
  if (options.name.empty()) options.name = "facts";
  return make_facts_store(std::make_shared<MemoryTable>(std::move(options)));
}

}  // namespace portcullis::proxy::store
