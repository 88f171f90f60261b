// Helpers shared by the pool and the migrator; SOCI types are fine here (src/ only).
#pragma once

#include <soci/soci.h>

#include <string>
#include <string_view>

#include "platform/db/database.h"

namespace platform::db::internal {

// True for the messages libpq and SOCI give when the server went away; the PostgreSQL
// backend sometimes reports that as a plain soci_error without a SQLSTATE.
bool is_lost_connection_message(std::string_view message);

// True when the session's connection is known to be gone (PostgreSQL only: an SQLite
// connection is a file handle and cannot be lost).
bool connection_is_broken(soci::session& sql, Backend backend);

// True when the session is inside a transaction (or cannot tell because its connection
// is gone): after a failed ROLLBACK, whether the session can be reused as it is.
bool in_transaction(soci::session& sql, Backend backend);

// Runs a script of several statements through the native handle (SOCI prepares one
// statement at a time). Throws SOCI's backend exceptions so that
// classify_current_exception treats its failures like any other statement's.
void execute_script(soci::session& sql, Backend backend, const std::string& script);

}  // namespace platform::db::internal
