// SyllabusRepository over platform::db, on SQLite and PostgreSQL, with each change's
// event appended to the outbox in the change's transaction.
//
//   auto database = platform::db::Database::open({.url = settings.database_url});
//   platform::db::migrate(**database, migration_files());          // infrastructure/migrations.h
//   OutboxRelay relay(**database, {.stream = kSyllabusStream, ...}, logger, registry);
//   SqlSyllabusRepository repository(**database, [&] { relay.notify(); });
//
// Storage (migrations/): `syllabi` holds each syllabus's identity (unique) and which
// revision is its working one; `syllabus_revisions` holds every revision as a JSON
// document (infrastructure/syllabus_document) beside the columns that queries filter and
// search on; `syllabus_attachments` the file ids each revision attaches. Partial unique
// indexes keep the store's rules (one published, one open revision per syllabus) even
// when writers race. Full-text search: FTS5 over each syllabus's working revision on
// SQLite, a generated tsvector with a GIN index on PostgreSQL.
//
// Writers of one syllabus are serialised: SQLite has one writer at a time (BEGIN
// IMMEDIATE); on PostgreSQL every write first locks the syllabus's row (FOR UPDATE).
#pragma once

#include <functional>

#include "application/import_syllabi.h"
#include "application/syllabus_repository.h"
#include "infrastructure/reference_events.h"
#include "platform/db/database.h"

namespace syllabus_service::infrastructure {

class SqlSyllabusRepository final : public application::SyllabusRepository,
                                    public application::SyllabusImports,
                                    public ReferenceEffects {
 public:
  // `events_committed` runs after each commit that added events (the relay's notify()).
  explicit SqlSyllabusRepository(platform::db::Database& database,
                                 std::function<void()> events_committed = {})
      : database_(database), events_committed_(std::move(events_committed)) {}

  platform::core::Result<void> create(const domain::Syllabus& first,
                                      const application::Change& change) override;
  platform::core::Result<void> write(const std::vector<application::RevisionWrite>& writes,
                                     const application::Change& change) override;
  platform::core::Result<std::vector<platform::core::ImportResult>> import(
      const std::vector<application::ImportedSyllabus>& syllabi,
      const application::EventOrigin& origin) override;
  platform::core::Result<void> remove(const platform::core::Uuid& id, std::int64_t expected_version,
                                      const application::Change& change) override;

  platform::core::Result<domain::Syllabus> working(const platform::core::Uuid& id) override;
  platform::core::Result<RevisionStamp> working_stamp(const platform::core::Uuid& id) override;
  platform::core::Result<domain::Syllabus> revision(const platform::core::Uuid& id,
                                                    std::int64_t revision) override;
  platform::core::Result<domain::Syllabus> published(const platform::core::Uuid& id) override;
  platform::core::Result<std::vector<domain::Syllabus>> revisions(
      const platform::core::Uuid& id) override;
  // Keyset paging. Without text: by id (creation order), the cursor holds the last id.
  // With text: by rank, best first, then id; the cursor holds the last (rank, id), the
  // rank as an integer (the score times 10^12, rounded) so that it compares exactly.
  // Ranks move when other syllabi change between pages (bm25 and ts_rank weigh words by
  // how common they are), so a ranked listing is exact only while the data holds still.
  // A cursor that this repository did not issue, or one of the other kind, is kMalformed.
  platform::core::Result<application::SyllabusPage> list(
      const application::SyllabusFilter& filter) override;

  platform::core::Result<std::vector<domain::Syllabus>> live_revisions_of_subject(
      const platform::core::Uuid& subject_id) override;
  platform::core::Result<std::vector<domain::Syllabus>> live_revisions_attaching(
      const platform::core::Uuid& file_id) override;

  // Called with the id of each syllabus changed by the effects of other services' events
  // (a cache in front of this store forgets it).
  void on_effect(std::function<void(const platform::core::Uuid&)> listener) {
    effect_listener_ = std::move(listener);
  }

  // ReferenceEffects: inside the consumer's transaction, as "subject-service" or
  // "file-service" (the audit's who).
  platform::core::Result<void> subject_deleted(platform::db::Session& session,
                                               const platform::core::Uuid& subject_id,
                                               platform::core::Timestamp now) override;
  platform::core::Result<void> file_deleted(platform::db::Session& session,
                                            const platform::core::Uuid& file_id,
                                            platform::core::Timestamp now) override;

 private:
  static constexpr const char* kSubjectOwner = "subject-service";
  static constexpr const char* kFileOwner = "file-service";

  platform::core::Result<void> create_in(platform::db::Session& session,
                                         const domain::Syllabus& first,
                                         const application::Change& change);
  platform::core::Result<void> write_in(platform::db::Session& session,
                                        const std::vector<application::RevisionWrite>& writes,
                                        const application::Change& change);
  static platform::core::Result<std::vector<domain::Syllabus>> subject_revisions_in(
      platform::db::Session& session, const platform::core::Uuid& subject_id);
  static platform::core::Result<std::vector<domain::Syllabus>> attaching_revisions_in(
      platform::db::Session& session, const platform::core::Uuid& file_id);

  // The result of a write; tells the relay when events were committed.
  platform::core::Result<void> committed(platform::core::Result<void> result) const;

  platform::db::Database& database_;
  std::function<void()> events_committed_;
  std::function<void(const platform::core::Uuid&)> effect_listener_;
};

}  // namespace syllabus_service::infrastructure
