// `<service> migrate --verify`: is the live schema exactly what this release's migrations
// make, and was no applied migration edited? Read-only on the live database.
//
//   auto check = verify_schema(url, subject_service::infrastructure::migration_files());
//   if (check && check->ok()) ...                 // else each problem in check->problems
//
// Compared: the migrations recorded in schema_migrations against the release's files
// (each applied one known and unchanged, none pending), and the schema itself against
// what the migrations make on an empty database of the same kind - SQLite: every table,
// index, trigger and view as sqlite_master holds it; PostgreSQL: columns (type,
// nullability, default), constraints, indexes, triggers and functions, made in a
// throwaway schema of the same database that is dropped again.
#pragma once

#include <string>
#include <vector>

#include "platform/core/embedded_file.h"
#include "platform/core/result.h"

namespace platform::db {

struct SchemaCheck {
  std::vector<std::string> problems;  // each difference, in words
  int applied_version = 0;            // the highest migration applied

  bool ok() const { return problems.empty(); }
};

// kInvalidArgument for a bad URL; kUnavailable when a database cannot be read.
core::Result<SchemaCheck> verify_schema(const std::string& url,
                                        const std::vector<core::EmbeddedFile>& files);

}  // namespace platform::db
