// Turning SOCI's exceptions into Errors. The client-facing detail is a fixed sentence
// per code: the exception text quotes SQL and bound values, so it goes to log_detail only.
//
// Constraint mapping (PostgreSQL SQLSTATE / SQLite message):
//   unique (23505, "UNIQUE"/"PRIMARY KEY")               -> kAlreadyExists
//   foreign key (23503), check (23514), exclusion (23P01) -> kFailedPrecondition: the
//     operation conflicts with the state of other rows, e.g. deleting a referenced row.
//   not null (23502)                                      -> kInternal: the application
//     should have validated the field before writing, so this is a bug.
//   serialization failure, deadlock, lock not available, busy/locked, lost connection,
//     server shutting down, too many connections          -> kUnavailable (retryable)
//   statement timeout / query cancelled (57014)           -> kDeadlineExceeded
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <array>
#include <exception>
#include <string>

#include "internal.h"
#include "platform/core/strings.h"
#include "platform/db/database.h"

namespace platform::db {
namespace {

constexpr std::string_view kAlreadyExistsDetail = "the record exists already";
constexpr std::string_view kConflictDetail = "the operation conflicts with related records";
constexpr std::string_view kUnavailableDetail = "the database is unavailable; retry later";
constexpr std::string_view kTimeoutDetail = "the database did not answer in time";

std::string_view backend_name(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgresql";
}

core::Error make(core::ErrorCode code, std::string_view detail, std::string log_detail) {
  return {code, std::string(detail), std::move(log_detail)};
}

core::Error unavailable(std::string log_detail) {
  return make(core::ErrorCode::kUnavailable, kUnavailableDetail, std::move(log_detail));
}

core::Error classify_postgresql(const std::string& state, const std::string& log_detail) {
  if (state == "23505")
    return make(core::ErrorCode::kAlreadyExists, kAlreadyExistsDetail, log_detail);
  if (state == "23503" || state == "23514" || state == "23P01") {
    return make(core::ErrorCode::kFailedPrecondition, kConflictDetail, log_detail);
  }
  if (state == "57014") return make(core::ErrorCode::kDeadlineExceeded, kTimeoutDetail, log_detail);
  // 40001 serialization failure, 40P01 deadlock, 55P03 lock not available, class 08
  // connection exceptions, 57P01..57P03 server shutting down or starting, class 53
  // insufficient resources (too many connections): all worth a retry.
  if (state == "40001" || state == "40P01" || state == "55P03" || state.starts_with("08") ||
      state == "57P01" || state == "57P02" || state == "57P03" || state.starts_with("53")) {
    return unavailable(log_detail);
  }
  if (internal::is_lost_connection_message(log_detail)) return unavailable(log_detail);
  return core::Error::internal(log_detail);
}

core::Error classify_sqlite(int result, const std::string& message, const std::string& log_detail) {
  constexpr int kBusy = 5;
  constexpr int kLocked = 6;
  constexpr int kConstraint = 19;
  switch (result & 0xff) {  // extended result codes carry the primary one in the low byte
    case kBusy:
    case kLocked:
      return unavailable(log_detail);
    case kConstraint:
      if (message.find("UNIQUE") != std::string::npos ||
          message.find("PRIMARY KEY") != std::string::npos) {
        return make(core::ErrorCode::kAlreadyExists, kAlreadyExistsDetail, log_detail);
      }
      if (message.find("FOREIGN KEY") != std::string::npos ||
          message.find("CHECK") != std::string::npos) {
        return make(core::ErrorCode::kFailedPrecondition, kConflictDetail, log_detail);
      }
      return core::Error::internal(log_detail);
    default:
      return core::Error::internal(log_detail);
  }
}

}  // namespace

namespace internal {

bool is_lost_connection_message(std::string_view message) {
  static constexpr std::array kFragments = {
      std::string_view("server closed the connection"),
      std::string_view("no connection to the server"),
      std::string_view("connection not open"),
      std::string_view("could not receive data from server"),
      std::string_view("could not send data to server"),
      std::string_view("terminating connection"),
      std::string_view("connection to server"),
      std::string_view("ssl connection has been closed"),
      std::string_view("connection reset"),
      std::string_view("broken pipe"),
      std::string_view("session is not connected"),
      std::string_view("cannot establish connection"),
  };
  std::string lower = core::ascii_lower(message);
  for (std::string_view fragment : kFragments) {
    if (lower.find(fragment) != std::string::npos) return true;
  }
  return false;
}

}  // namespace internal

core::Error classify_current_exception(Backend backend) {
  std::string prefix = std::string(backend_name(backend)) + ": ";
  try {
    throw;
  } catch (const soci::postgresql_soci_error& error) {
    return classify_postgresql(error.sqlstate(),
                               prefix + "[" + error.sqlstate() + "] " + error.what());
  } catch (const soci::sqlite3_soci_error& error) {
    return classify_sqlite(error.result(), error.get_error_message(),
                           prefix + "[" + std::to_string(error.result()) + "] " + error.what());
  } catch (const soci::soci_error& error) {
    if (internal::is_lost_connection_message(error.what()))
      return unavailable(prefix + error.what());
    return core::Error::internal(prefix + error.what());
  } catch (const std::exception& error) {
    return core::Error::internal(prefix + error.what());
  } catch (...) {
    return core::Error::internal(prefix + "unknown exception");
  }
}

}  // namespace platform::db
