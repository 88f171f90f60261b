// The monolith's data as it is: its database (SQLite file or PostgreSQL, the schema of
// issue 14, foreign keys never enforced) read whole, and its uploads folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "plan.h"
#include "platform/core/result.h"

namespace sylmigrate {

// The monolith's schema (issue 14), as CREATE TABLE statements: what read_legacy reads and
// generate_legacy (and the tests) make.
const std::vector<std::string>& legacy_schema();

// Every row of subjects, files and syllabi, each table by legacy id. Columns are read
// as text or integers whatever the legacy column held (a Unix time stored as a number in
// a TEXT column, say). kInvalidArgument for a bad URL, kUnavailable when the database
// cannot be read (a missing table included).
platform::core::Result<LegacyData> read_legacy(const std::string& url);

// The files of the uploads folder, by their stored_path: the size of a regular file in
// it; nullopt when missing, or when the path would leave the folder ("../x", "/etc/x").
FileCheck uploads_folder(std::filesystem::path directory);

}  // namespace sylmigrate
