// Read models fed by events: a change is applied only if it is newer than what the row
// holds, and a deletion leaves a tombstone, so that redelivered, duplicated or reordered
// events converge on the producer's latest state.
//
//   CREATE TABLE subject_views (id TEXT PRIMARY KEY, code TEXT, name TEXT,
//                               version BIGINT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
//   const ReadModelTable kSubjects{.name = "subject_views", .key = {"id"},
//                                  .columns = {"code", "name"}};
//   // in a consumer's handler, with the event's aggregate version:
//   auto applied = upsert_if_newer(session, kSubjects, {id}, version, {code, name});
//   auto removed = delete_if_newer(session, kSubjects, {id}, version);
//   // the service's queries: SELECT ... FROM subject_views WHERE ... AND deleted = 0
//
// Rules, per key, by the aggregate's version (which the producer raises on every change,
// deletion included):
//   - an upsert applies when there is no row or the row's version is lower;
//   - a delete applies under the same rule and turns the row into a tombstone (deleted = 1,
//     the version recorded; other columns keep their last values but the service's
//     queries exclude tombstones); a delete that comes first inserts a tombstone;
//   - an equal version is a duplicate: nothing changes;
//   - so a late, older update after a delete changes nothing, while an update with a
//     newer version than the tombstone re-creates the row (deleted = 0): the producer
//     moved on past the deletion, and the read model follows the latest version.
// Each returns whether it applied. One statement (INSERT ... ON CONFLICT (key) DO UPDATE
// ... WHERE table.version < excluded.version): atomic on SQLite (3.24+) and PostgreSQL,
// also against a concurrent apply for the same key.
//
// The table needs a unique index on `key` (its primary key), an integer `version` column
// and an integer `deleted` column; the other columns must be nullable or have a default,
// for a tombstone inserted before any upsert. Tombstones stay until the service removes
// them (after a retention longer than any redelivery).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "platform/core/result.h"
#include "platform/db/database.h"

namespace platform::events {

struct ReadModelTable {
  std::string name;                  // identifiers only: letters, digits, underscores
  std::vector<std::string> key;      // the columns of its primary key
  std::vector<std::string> columns;  // the values an upsert writes
  std::string version_column = "version";
  std::string deleted_column = "deleted";
};

// A column's value: SQL NULL, text, an integer or a real.
using ReadModelValue = std::variant<std::nullptr_t, std::string, std::int64_t, double>;

// Writes `values` (one per table.columns) under `key` (one per table.key) if `version`
// is newer than the row's; true when it applied. kInvalidArgument for a table description
// or value count that does not fit; database errors as db::classify_current_exception.
core::Result<bool> upsert_if_newer(db::Session& session, const ReadModelTable& table,
                                   const std::vector<ReadModelValue>& key, std::int64_t version,
                                   const std::vector<ReadModelValue>& values);

// Records the deletion of `key` at `version` (a tombstone) if it is newer than the row's;
// true when it applied.
core::Result<bool> delete_if_newer(db::Session& session, const ReadModelTable& table,
                                   const std::vector<ReadModelValue>& key, std::int64_t version);

}  // namespace platform::events
