// FileRepository over platform::db: the same SQL on SQLite and PostgreSQL, each change's
// event appended to the transactional outbox in the change's own transaction.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "application/file_imports.h"
#include "application/file_repository.h"
#include "platform/db/database.h"

namespace file_service::infrastructure {

// referenced_keys() asks about at most this many keys per query: well under SQLite's
// and PostgreSQL's limits on bound parameters, and a statement the planner handles well.
inline constexpr std::size_t kKeysPerQuery = 500;

class SqlFileRepository final : public application::FileRepository,
                                public application::FileImports {
 public:
  // `events_committed` runs after each commit that added events (the relay's notify()).
  explicit SqlFileRepository(platform::db::Database& database,
                             std::function<void()> events_committed = {})
      : database_(database), events_committed_(std::move(events_committed)) {}

  // kInvalidArgument for a size above INT64_MAX (the column is a signed BIGINT);
  // kAlreadyExists when the id or the storage key is taken.
  platform::core::Result<void> insert(const domain::FileMetadata& file,
                                      const application::Change& change) override;
  platform::core::Result<domain::FileMetadata> find(const platform::core::Uuid& id) override;
  platform::core::Result<void> remove(const platform::core::Uuid& id,
                                      const application::Change& change) override;
  // Fetches one row more than asked for, to tell whether another page follows.
  platform::core::Result<application::FilePage> list(
      const application::FilePageRequest& request) override;
  // Duplicates in `keys` are asked about once; no keys, no query.
  platform::core::Result<std::unordered_set<std::string>> referenced_keys(
      const std::vector<std::string>& keys) override;
  platform::core::Result<std::optional<domain::FileMetadata>> imported(
      const std::string& legacy_id) override;
  platform::core::Result<void> insert_imported(const std::string& legacy_id,
                                               const domain::FileMetadata& file,
                                               const application::Change& change) override;

 private:
  // The result of a write; tells the relay when events were committed.
  platform::core::Result<void> committed(platform::core::Result<void> result) const;

  platform::db::Database& database_;
  std::function<void()> events_committed_;
};

}  // namespace file_service::infrastructure
