// The import ledger: which legacy rows a service's bulk import created, and the ids they
// became (the legacy_imports table; docs/migration.md). A service's import writes the
// ledger in the same transaction as the rows it creates, so that a migration run again
// after being killed finds what was imported and creates no duplicate.
//
//   database.transaction<void>([&](Session& session) -> Result<void> {
//     auto known = imported_id(session, "subjects", legacy_id);
//     if (!known) return known.error();
//     if (*known) ...                                    // imported before: its id
//     ... INSERT the row ...
//     return record_import(session, "subjects", legacy_id, id, now);
//   });
//   auto page = imported_page(database, "subjects", after, 500);   // the mapping
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/embedded_file.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"
#include "platform/core/time.h"
#include "platform/db/database.h"

namespace platform::db {

// The ledger's table (version 9101), to embed beside a service's own migrations
// (syl_add_migrations ... IMPORTS).
std::vector<core::EmbeddedFile> import_ledger_migration_files();

// The id `legacy_id` of `kind` became, when it was imported; nullopt otherwise.
core::Result<std::optional<std::string>> imported_id(Session& session, std::string_view kind,
                                                     std::string_view legacy_id);

// Notes that `legacy_id` of `kind` became `id`, in the caller's transaction.
core::Result<void> record_import(Session& session, std::string_view kind,
                                 std::string_view legacy_id, std::string_view id,
                                 core::Timestamp at);

// At most `limit` mappings of `kind` with a legacy id after `after` (text order).
core::Result<core::LegacyMappingPage> imported_page(Database& database, std::string_view kind,
                                                    const std::optional<std::string>& after,
                                                    std::size_t limit);

}  // namespace platform::db
