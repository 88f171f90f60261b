// Database URL parsing, kept apart from the pool so that it can be unit-tested.
// PostgreSQL URLs go through the platform's one URL parser (platform/core/url.h); SQLite
// "URLs" are a file path behind "sqlite://", read as such.
//
//   auto url = parse_database_url("sqlite://data/subject.db");
//   url->target;  // "/current/dir/data/subject.db"
#pragma once

#include <string>
#include <string_view>

#include "platform/core/result.h"
#include "platform/db/database.h"

namespace platform::db {

// Applied to PostgreSQL URLs that set no connect_timeout: without one, libpq waits for
// the operating system's TCP timeout (minutes) when a host does not answer.
inline constexpr int kDefaultConnectTimeoutSeconds = 10;

struct DatabaseUrl {
  Backend backend = Backend::kSqlite;
  // SQLite: an absolute file path, or ":memory:". PostgreSQL: the libpq keyword/value
  // connection string equivalent to the URI.
  std::string target;
  bool in_memory = false;
};

// kInvalidArgument (detail naming the problem, never the password) for anything that
// is not one of the documented forms.
core::Result<DatabaseUrl> parse_database_url(std::string_view url);

}  // namespace platform::db
