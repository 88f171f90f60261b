// The read model of subjects and files (migrations/0002), on SQLite and PostgreSQL.
// Events apply inside the consumer's transaction (apply_* with its session); what an
// owner answered on a miss is stored in a transaction of its own (store_*).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "application/reference_views.h"
#include "infrastructure/ttl_cache.h"
#include "platform/core/time.h"
#include "platform/db/database.h"

namespace syllabus_service::infrastructure {

struct StreamProgress {
  std::string stream;
  std::string last_event_id;
  std::string last_event_type;
  std::string last_event_time;  // RFC 3339: when the producer made it
  std::string applied_at;       // when it was applied here
  std::int64_t applied_total = 0;
};

struct ReadModelSummary {
  std::int64_t subjects = 0;
  std::int64_t subjects_deleted = 0;  // tombstones
  std::int64_t files = 0;
  std::int64_t files_deleted = 0;
  std::vector<StreamProgress> streams;
};

// Reads are served from memory for at most `ttl` (what the read path asks for again and
// again: the same few subjects), reloaded ahead of expiry while they are read; an event
// applied here drops the entry at once.
class SqlReferenceViews : public application::ReferenceViews {
 public:
  explicit SqlReferenceViews(platform::db::Database& database,
                             std::chrono::milliseconds ttl = std::chrono::milliseconds(1000));

  platform::core::Result<application::Known<application::SubjectView>> subject(
      const platform::core::Uuid& id) override;
  platform::core::Result<application::Known<application::FileView>> file(
      const platform::core::Uuid& id) override;
  std::optional<application::Known<application::SubjectView>> subject_in_memory(
      const platform::core::Uuid& id) override;
  std::optional<application::Known<application::FileView>> file_in_memory(
      const platform::core::Uuid& id) override;
  platform::core::Result<void> store_subject(const application::SubjectView& view) override;
  platform::core::Result<void> store_file(const application::FileView& view) override;

  // Inside a transaction: true when the change was newer than what the model holds. The
  // cached entry is dropped (the transaction may still roll back: then it is reloaded).
  platform::core::Result<bool> apply_subject(platform::db::Session& session,
                                             const application::SubjectView& view);
  // `version`: the tombstone's (one above the subject's last version).
  platform::core::Result<bool> apply_subject_deleted(platform::db::Session& session,
                                                     const platform::core::Uuid& id,
                                                     std::int64_t version);
  platform::core::Result<bool> apply_file(platform::db::Session& session,
                                          const application::FileView& view);
  platform::core::Result<bool> apply_file_deleted(platform::db::Session& session,
                                                  const platform::core::Uuid& id);
  static platform::core::Result<void> record_progress(platform::db::Session& session,
                                                      const StreamProgress& progress);

  platform::core::Result<ReadModelSummary> summary();
  // Whether a backfill from the owning services has completed for this database (not
  // whether the model holds rows: events can fill some of it first).
  platform::core::Result<bool> backfilled();
  platform::core::Result<void> mark_backfilled();

 private:
  static constexpr std::size_t kMaxEntries = 100'000;

  platform::core::Result<application::Known<application::SubjectView>> load_subject(
      const platform::core::Uuid& id);
  platform::core::Result<application::Known<application::FileView>> load_file(
      const platform::core::Uuid& id);

  platform::db::Database& database_;
  TtlCache<platform::core::Uuid, application::Known<application::SubjectView>> subjects_;
  TtlCache<platform::core::Uuid, application::Known<application::FileView>> files_;
  Refresher<platform::core::Uuid> subject_refresher_;
  Refresher<platform::core::Uuid> file_refresher_;
};

}  // namespace syllabus_service::infrastructure
