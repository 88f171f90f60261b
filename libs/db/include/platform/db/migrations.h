// Versioned schema migrations, compiled into each service's binary.
//
// Files are named `NNNN_description.sql` (all backends) with optional per-backend
// variants `NNNN_description.sqlite.sql` / `NNNN_description.postgresql.sql` that
// replace the common file on that backend. Each applied migration is recorded in
// `schema_migrations` (version, name, checksum, applied_at) inside the same
// transaction as its statements. A migration whose file changed after it was applied
// is refused with a message naming it; two instances migrating at once are serialised
// (PostgreSQL advisory lock; SQLite's write lock).
//
//   auto report = migrate(database, subject_service::migration_files());
#pragma once

#include <string>
#include <vector>

#include "platform/core/embedded_file.h"
#include "platform/core/result.h"
#include "platform/db/database.h"

namespace platform::db {

struct Migration {
  int version = 0;
  std::string name;  // "create_subjects"
  std::string sql;
  std::string checksum;  // sha256 hex of `sql`
};

// The migrations for `backend`, ordered by version. kInvalidArgument for a misnamed
// file or a duplicated version.
core::Result<std::vector<Migration>> select_migrations(const std::vector<core::EmbeddedFile>& files,
                                                       Backend backend);

struct MigrationReport {
  int applied = 0;          // how many were applied by this call
  int current_version = 0;  // the schema version afterwards
  // The highest version among the files. Below current_version when a newer release has
  // migrated the database already; migrate() accepts that (old and new instances overlap
  // during a rolling deploy) and leaves logging it to the caller.
  int latest_known_version = 0;
};

core::Result<MigrationReport> migrate(Database& database,
                                      const std::vector<core::EmbeddedFile>& files);

// Expand/contract: while a new release rolls out, the previous one runs on the schema the
// new one migrated, so a migration may only add. The statements of `sql` that would break
// a running release: DROP (TABLE, COLUMN, ...), RENAME, ALTER COLUMN ... TYPE / SET NOT
// NULL, and an added NOT NULL column without a DEFAULT. Comments are ignored. A contract
// step belongs in a later release, once no running version reads what it removes.
std::vector<std::string> breaking_statements(std::string_view sql);

struct PendingMigration {
  int version = 0;
  std::string name;
  std::vector<std::string> breaking;  // breaking_statements of its SQL
};

// The migrations of `files` not yet applied to `database`, in order (all of them on a
// database never migrated), each with the statements that would break a running release.
core::Result<std::vector<PendingMigration>> pending_migrations(
    Database& database, const std::vector<core::EmbeddedFile>& files);

}  // namespace platform::db
