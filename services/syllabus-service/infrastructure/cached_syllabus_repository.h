// The syllabus store with the working revision of each syllabus kept in memory for the
// read path (GET /syllabi/{id}, the hottest route): served for at most `ttl` after it was
// loaded, and dropped at once by every write this process makes. With SQLite (one
// instance) it is exact; with several instances on PostgreSQL a write made elsewhere is
// seen after at most `ttl` (syllabus.read_cache_ms, 0 turns it off), and If-Match still
// guards every write against a stale read.
#pragma once

#include <chrono>

#include "application/syllabus_repository.h"
#include "infrastructure/ttl_cache.h"

namespace syllabus_service::infrastructure {

class CachedSyllabusRepository final : public application::SyllabusRepository {
 public:
  // Starts the refresher: a syllabus read all the time is reloaded ahead of its expiry.
  CachedSyllabusRepository(application::SyllabusRepository& store, std::chrono::milliseconds ttl);

  platform::core::Result<void> create(const domain::Syllabus& first,
                                      const application::Change& change) override;
  platform::core::Result<void> write(const std::vector<application::RevisionWrite>& writes,
                                     const application::Change& change) override;
  platform::core::Result<void> remove(const platform::core::Uuid& id, std::int64_t expected_version,
                                      const application::Change& change) override;

  platform::core::Result<domain::Syllabus> working(const platform::core::Uuid& id) override;
  platform::core::Result<RevisionStamp> working_stamp(const platform::core::Uuid& id) override {
    return store_.working_stamp(id);
  }
  std::shared_ptr<const domain::Syllabus> working_in_memory(
      const platform::core::Uuid& id) override;
  platform::core::Result<domain::Syllabus> revision(const platform::core::Uuid& id,
                                                    std::int64_t revision) override {
    return store_.revision(id, revision);
  }
  platform::core::Result<domain::Syllabus> published(const platform::core::Uuid& id) override {
    return store_.published(id);
  }
  platform::core::Result<std::vector<domain::Syllabus>> revisions(
      const platform::core::Uuid& id) override {
    return store_.revisions(id);
  }
  platform::core::Result<application::SyllabusPage> list(
      const application::SyllabusFilter& filter) override {
    return store_.list(filter);
  }
  platform::core::Result<std::vector<domain::Syllabus>> live_revisions_of_subject(
      const platform::core::Uuid& subject_id) override {
    return store_.live_revisions_of_subject(subject_id);
  }
  platform::core::Result<std::vector<domain::Syllabus>> live_revisions_attaching(
      const platform::core::Uuid& file_id) override {
    return store_.live_revisions_attaching(file_id);
  }

  // For changes made around this decorator (the effects of other services' events).
  void forget(const platform::core::Uuid& id) { working_.erase(id); }

 private:
  static constexpr std::size_t kMaxEntries = 100'000;

  void reload(const platform::core::Uuid& id);

  application::SyllabusRepository& store_;
  // Shared, immutable: a cached read hands out the same revision without copying it.
  TtlCache<platform::core::Uuid, std::shared_ptr<const domain::Syllabus>> working_;
  Refresher<platform::core::Uuid> refresher_;
};

}  // namespace syllabus_service::infrastructure
