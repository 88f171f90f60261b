// Calls on the native handles beneath SOCI: multi-statement scripts and connection state.
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <memory>

#include "internal.h"

namespace platform::db::internal {
namespace {

// The connection-failure SQLSTATE, for failures that come without a result to read one from.
constexpr const char* kConnectionFailure = "08006";

PGconn* postgresql_handle(soci::session& sql) {
  auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
  return backend ? backend->conn_ : nullptr;
}

void execute_sqlite_script(soci::session& sql, const std::string& script) {
  auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
  if (!backend) throw soci::soci_error("Session is not connected.");
  char* message = nullptr;
  int result = sqlite_api::sqlite3_exec(backend->conn_, script.c_str(), nullptr, nullptr, &message);
  if (result != SQLITE_OK) {
    std::string text = message ? message : sqlite_api::sqlite3_errstr(result);
    sqlite_api::sqlite3_free(message);
    throw soci::sqlite3_soci_error(text, result);
  }
}

void execute_postgresql_script(soci::session& sql, const std::string& script) {
  PGconn* connection = postgresql_handle(sql);
  if (!connection)
    throw soci::postgresql_soci_error("Session is not connected.", kConnectionFailure);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(connection, script.c_str()),
                                                       &PQclear);
  if (!result) throw soci::postgresql_soci_error(PQerrorMessage(connection), kConnectionFailure);
  ExecStatusType status = PQresultStatus(result.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return;
  }
  const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
  throw soci::postgresql_soci_error(PQresultErrorMessage(result.get()),
                                    state ? state : kConnectionFailure);
}

}  // namespace

bool connection_is_broken(soci::session& sql, Backend backend) {
  if (backend != Backend::kPostgresql) return false;
  PGconn* connection = postgresql_handle(sql);
  return !connection || PQstatus(connection) != CONNECTION_OK;
}

bool in_transaction(soci::session& sql, Backend backend) {
  if (backend == Backend::kSqlite) {
    auto* session = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    return !session || sqlite_api::sqlite3_get_autocommit(session->conn_) == 0;
  }
  PGconn* connection = postgresql_handle(sql);
  return !connection || PQtransactionStatus(connection) != PQTRANS_IDLE;
}

void execute_script(soci::session& sql, Backend backend, const std::string& script) {
  if (backend == Backend::kSqlite) {
    execute_sqlite_script(sql, script);
  } else {
    execute_postgresql_script(sql, script);
  }
}

}  // namespace platform::db::internal
