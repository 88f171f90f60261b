// SubjectRepository over platform::db: the same SQL on SQLite and PostgreSQL.
#pragma once

#include <functional>

#include "application/import_subjects.h"
#include "application/subject_repository.h"
#include "platform/db/database.h"

namespace subject_service::infrastructure {

class SqlSubjectRepository final : public application::SubjectRepository,
                                   public application::SubjectImports {
 public:
  // `events_committed` runs after each commit that added events (the relay's notify()).
  explicit SqlSubjectRepository(platform::db::Database& database,
                                std::function<void()> events_committed = {})
      : database_(database), events_committed_(std::move(events_committed)) {}

  platform::core::Result<void> insert(const domain::Subject& subject,
                                      const application::Change& change) override;
  platform::core::Result<domain::Subject> find(const platform::core::Uuid& id) override;
  platform::core::Result<void> update(const domain::Subject& subject, std::int64_t expected_version,
                                      const application::Change& change) override;
  platform::core::Result<void> remove(const platform::core::Uuid& id, std::int64_t expected_version,
                                      const application::Change& change) override;
  platform::core::Result<application::SubjectPage> list(
      const application::SubjectFilter& filter) override;
  platform::core::Result<std::vector<platform::core::ImportResult>> import(
      const std::vector<application::ImportedSubject>& subjects,
      const application::EventOrigin& origin) override;

 private:
  // The result of a write; tells the relay when events were committed.
  platform::core::Result<void> committed(platform::core::Result<void> result) const;

  platform::db::Database& database_;
  std::function<void()> events_committed_;
};

}  // namespace subject_service::infrastructure
