#include "proxy/store/manifest_store.h"

#include "proxy/store/digest.h"
#include "proxy/store/lmdb_table.h"
#include "proxy/store/memory_table.h"
#include "proxy/store/record.h"

namespace portcullis::proxy::store {
namespace {

Result<void> check_media_type(std::string_view media_type) {
  bool ok = !media_type.empty() && media_type.size() <= kMaxMediaType;
  for (char c : media_type) ok = ok && c >= 0x20 && c < 0x7f;
  if (!ok) {
    return StoreError{
        StoreErrc::invalid_argument,
        "media type must be 1.." + std::to_string(kMaxMediaType) + " printable ASCII characters"};
  }
  return {};
}

class TableManifestStore final : public ManifestStore {
 public:
  explicit TableManifestStore(std::shared_ptr<Table> table) : table_(std::move(table)) {}

  Result<ManifestInfo> stat(std::string_view digest) override {
    auto m = get(digest);
    if (!m) return m.error();
    return std::move(m->info);
  }

  Result<StoredManifest> get(std::string_view digest) override {
    if (auto ok = check_digest(digest); !ok) return ok.error();
    auto raw = table_->get(digest);
    if (!raw) {
      StoreError e = raw.error();
      if (is_not_found(e)) e.message = "no manifest " + std::string(digest);
      return e;
    }
    auto rec = decode_record(*raw);
    Result<void> valid = rec ? verify_digest(digest, rec->payload) : Result<void>(rec.error());
    if (valid) valid = check_media_type(rec->attr);
    if (!valid) {
      // Never serve bytes that are not what the digest names; drop them so a re-fetch heals it.
      (void)table_->erase(digest);
      return StoreError{StoreErrc::corrupt, "stored manifest " + std::string(digest) + ": " +
                                                valid.error().message + "; erased"};
    }
    return StoredManifest{ManifestInfo{std::string(rec->attr), rec->size, rec->stored_at},
                          std::string(rec->payload)};
  }

  Result<void> put(std::string_view digest, std::string_view media_type,
                   std::string_view bytes) override {
    if (auto ok = check_media_type(media_type); !ok) return ok;
    if (bytes.size() > kMaxManifestBytes) {
      return StoreError{StoreErrc::too_large, "manifest of " + std::to_string(bytes.size()) +
                                                  " bytes exceeds " +
                                                  std::to_string(kMaxManifestBytes)};
    }
    if (auto ok = verify_digest(digest, bytes); !ok) return ok;
    return table_->put(digest, encode_record(table_->now(), 0, media_type, bytes));
  }

  Result<void> erase(std::string_view digest) override {
    if (auto ok = check_digest(digest); !ok) return ok;
    return table_->erase(digest);
  }

  Result<StoreStats> stats() override { return table_->stats(); }

 private:
  std::shared_ptr<Table> table_;
};

}  // namespace

Result<bool> ManifestStatter::has(std::string_view digest) {
  auto info = stat(digest);
  if (info) return true;
  if (info.error().code == StoreErrc::not_found || info.error().code == StoreErrc::corrupt) {
    return false;
  }
  return info.error();
}

std::unique_ptr<ManifestStore> make_manifest_store(std::shared_ptr<Table> table) {
  return std::make_unique<TableManifestStore>(std::move(table));
}

std::unique_ptr<ManifestStore> make_lmdb_manifest_store(std::shared_ptr<Database> db,
                                                        TableOptions options) {
  if (options.name.empty()) options.name = "manifests";
  return make_manifest_store(std::make_shared<LmdbTable>(std::move(db), std::move(options)));
}

std::unique_ptr<ManifestStore> make_memory_manifest_store(TableOptions options) {
  if (options.name.empty()) options.name = "manifests";
  return make_manifest_store(std::make_shared<MemoryTable>(std::move(options)));
}

}  // namespace portcullis::proxy::store
