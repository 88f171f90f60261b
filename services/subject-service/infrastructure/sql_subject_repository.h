// SubjectRepository over platform::db: the same SQL on SQLite and PostgreSQL.
#pragma once

#include "application/subject_repository.h"
#include "platform/db/database.h"

namespace subject_service::infrastructure {

class SqlSubjectRepository final : public application::SubjectRepository {
 public:
  explicit SqlSubjectRepository(platform::db::Database& database) : database_(database) {}

  platform::core::Result<void> insert(const domain::Subject& subject) override;
  platform::core::Result<domain::Subject> find(const platform::core::Uuid& id) override;
  platform::core::Result<void> update(const domain::Subject& subject,
                                      std::int64_t expected_version) override;
  platform::core::Result<void> remove(const platform::core::Uuid& id,
                                      std::optional<std::int64_t> expected_version) override;
  platform::core::Result<application::SubjectPage> list(
      const application::SubjectFilter& filter) override;

 private:
  platform::db::Database& database_;
};

}  // namespace subject_service::infrastructure
