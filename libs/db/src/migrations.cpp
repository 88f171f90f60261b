// Schema migrations: choosing the files for a backend and applying the pending ones.
//
// Serialisation: on PostgreSQL one session holds an advisory lock for the whole run, so a
// second instance starting at the same time waits and then finds everything applied. On
// SQLite each migration runs under BEGIN IMMEDIATE (the database's single write lock) and
// re-checks inside it whether another process applied it meanwhile.
//
// A database that records versions this binary does not know (a newer release migrated
// it, e.g. during a rolling deploy) is accepted: migrate() returns ok with
// current_version above latest_known_version, and the caller decides whether to log it.
#include "platform/db/migrations.h"

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <regex>

#include "internal.h"
#include "platform/core/crypto.h"
#include "platform/core/strings.h"
#include "platform/core/time.h"

namespace platform::db {
namespace {

// Any fixed number works as long as every service uses the same one for its own
// database; "syllabus" in ASCII keeps it recognisable in pg_locks.
constexpr long long kAdvisoryLockKey = 0x73796c6c61627573;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
    "applied_at TEXT NOT NULL)";

core::Error invalid(std::string message) {
  return {core::ErrorCode::kInvalidArgument, std::move(message)};
}

std::string label(int version, const std::string& name) {
  std::string digits = std::to_string(version);
  if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
  return digits + "_" + name;
}

struct ParsedName {
  int version = 0;
  std::string name;
  std::optional<Backend> only_for;
};

std::optional<ParsedName> parse_name(const std::string& file) {
  static const std::regex kPattern(
      R"(^([0-9]{4,})_([A-Za-z0-9_]+?)(\.(sqlite|postgresql))?\.sql$)");
  std::smatch match;
  if (!std::regex_match(file, match, kPattern)) return std::nullopt;
  ParsedName parsed;
  const std::string digits = match[1].str();
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed.version);
  if (error != std::errc() || parsed.version <= 0) return std::nullopt;
  parsed.name = match[2].str();
  if (match[4].matched) {
    parsed.only_for = match[4].str() == "sqlite" ? Backend::kSqlite : Backend::kPostgresql;
  }
  return parsed;
}

// The files of one version: the common one and the per-backend variants.
struct VersionFiles {
  std::string name;
  const core::EmbeddedFile* common = nullptr;
  const core::EmbeddedFile* sqlite = nullptr;
  const core::EmbeddedFile* postgresql = nullptr;
};

struct Applied {
  std::string name;
  std::string checksum;
};

std::map<int, Applied> read_applied(soci::session& sql) {
  std::map<int, Applied> applied;
  soci::rowset<soci::row> rows =
      sql.prepare << "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
  for (const soci::row& row : rows) {
    // SQLite reports INTEGER columns as long long, PostgreSQL as int.
    long long version = row.get_properties(0).get_data_type() == soci::dt_long_long
                            ? row.get<long long>(0)
                            : row.get<int>(0);
    applied[static_cast<int>(version)] = {row.get<std::string>(1), row.get<std::string>(2)};
  }
  return applied;
}

std::optional<core::Error> check_unchanged(const Migration& migration, const Applied& applied) {
  if (applied.checksum == migration.checksum) return std::nullopt;
  return core::Error::failed_precondition(
      "migration " + label(migration.version, migration.name) +
      " was changed after it was applied (checksum " + applied.checksum.substr(0, 12) +
      "… recorded, " + migration.checksum.substr(0, 12) +
      "… now); add a new migration instead of editing an applied one");
}

// Applies one migration in its own transaction unless it turns out to be applied already.
// Returns whether it applied it. Throws SOCI's exceptions.
core::Result<bool> apply(soci::session& sql, Backend backend, const Migration& migration) {
  sql << (backend == Backend::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    int count = 0;
    std::string checksum;
    soci::indicator checksum_indicator = soci::i_null;
    sql << "SELECT COUNT(*), MAX(checksum) FROM schema_migrations WHERE version = :version",
        soci::into(count), soci::into(checksum, checksum_indicator), soci::use(migration.version);
    if (count > 0) {
      sql << "ROLLBACK";
      if (auto changed = check_unchanged(migration, {migration.name, checksum})) return *changed;
      return false;
    }
    internal::execute_script(sql, backend, migration.sql);
    std::string applied_at = core::format_rfc3339(core::now_utc());
    sql << "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
           "VALUES (:version, :name, :checksum, :applied_at)",
        soci::use(migration.version), soci::use(migration.name), soci::use(migration.checksum),
        soci::use(applied_at);
    sql << "COMMIT";
    return true;
  } catch (...) {
    try {
      sql << "ROLLBACK";
    } catch (...) {
      // The original failure is the one to report; the session is classified by the caller.
    }
    throw;
  }
}

core::Result<MigrationReport> run(soci::session& sql, Backend backend,
                                  const std::vector<Migration>& migrations) {
  sql << std::string(kCreateTable);
  std::map<int, Applied> applied = read_applied(sql);
  // Verify every applied migration before applying anything: a changed file means the
  // schema may not be what the code expects.
  for (const Migration& migration : migrations) {
    auto found = applied.find(migration.version);
    if (found == applied.end()) continue;
    if (auto changed = check_unchanged(migration, found->second)) return *changed;
  }

  MigrationReport report;
  report.latest_known_version = migrations.empty() ? 0 : migrations.back().version;
  for (const Migration& migration : migrations) {
    if (applied.contains(migration.version)) continue;
    core::Result<bool> result = [&]() -> core::Result<bool> {
      try {
        return apply(sql, backend, migration);
      } catch (...) {
        core::Error error = classify_current_exception(backend);
        // Operators read this at start-up; it never reaches an HTTP client.
        return core::Error{error.code(),
                           "migration " + label(migration.version, migration.name) +
                               " failed: " + error.log_detail(),
                           error.log_detail()};
      }
    }();
    if (!result) return std::move(result).error();
    if (*result) ++report.applied;
  }
  std::map<int, Applied> after = read_applied(sql);
  report.current_version = after.empty() ? 0 : after.rbegin()->first;
  return report;
}

}  // namespace

core::Result<std::vector<Migration>> select_migrations(const std::vector<core::EmbeddedFile>& files,
                                                       Backend backend) {
  std::map<int, VersionFiles> versions;
  for (const core::EmbeddedFile& file : files) {
    std::optional<ParsedName> parsed = parse_name(file.name);
    if (!parsed) {
      return invalid("migration file '" + file.name +
                     "' is misnamed: expected NNNN_name.sql, NNNN_name.sqlite.sql or "
                     "NNNN_name.postgresql.sql with a version of at least 1");
    }
    VersionFiles& entry = versions[parsed->version];
    if (!entry.name.empty() && entry.name != parsed->name) {
      return invalid("migration version " + std::to_string(parsed->version) +
                     " is used by two names: " + label(parsed->version, entry.name) + " and " +
                     label(parsed->version, parsed->name));
    }
    entry.name = parsed->name;
    const core::EmbeddedFile** slot = !parsed->only_for                       ? &entry.common
                                      : *parsed->only_for == Backend::kSqlite ? &entry.sqlite
                                                                              : &entry.postgresql;
    if (*slot) return invalid("migration file '" + file.name + "' is duplicated");
    *slot = &file;
  }

  std::vector<Migration> migrations;
  for (const auto& [version, entry] : versions) {
    const core::EmbeddedFile* chosen =
        backend == Backend::kSqlite ? entry.sqlite : entry.postgresql;
    if (!chosen) chosen = entry.common;
    // A version missing on one backend would leave the two schemas numbered differently;
    // a migration needed on one backend only gets an empty file for the other.
    if (!chosen) {
      return invalid("migration " + label(version, entry.name) + " has no file for " +
                     (backend == Backend::kSqlite ? "sqlite" : "postgresql") + " (add " +
                     label(version, entry.name) + ".sql or a variant for it)");
    }
    migrations.push_back({version, entry.name, chosen->content, core::sha256_hex(chosen->content)});
  }
  return migrations;
}

core::Result<MigrationReport> migrate(Database& database,
                                      const std::vector<core::EmbeddedFile>& files) {
  core::Result<std::vector<Migration>> migrations = select_migrations(files, database.backend());
  if (!migrations) return std::move(migrations).error();

  std::optional<core::Result<MigrationReport>> outcome;
  core::Result<void> status = database.run_session([&](Session& session) -> core::Result<void> {
    soci::session& sql = session.sql();
    Backend backend = session.backend();
    if (backend == Backend::kPostgresql) {
      // Session-level, so it spans the per-migration transactions; released below, and by
      // the server if the connection dies.
      sql << "SELECT pg_advisory_lock(" + std::to_string(kAdvisoryLockKey) + ")";
    }
    try {
      outcome.emplace(run(sql, backend, *migrations));
    } catch (...) {
      if (backend == Backend::kPostgresql) {
        try {
          sql << "SELECT pg_advisory_unlock(" + std::to_string(kAdvisoryLockKey) + ")";
        } catch (...) {
          // The connection is gone, and the lock with it.
        }
      }
      throw;
    }
    if (backend == Backend::kPostgresql) {
      sql << "SELECT pg_advisory_unlock(" + std::to_string(kAdvisoryLockKey) + ")";
    }
    if (!*outcome) return outcome->error();
    return core::ok();
  });
  if (!status) return std::move(status).error();
  return std::move(*outcome);
}

namespace {

// The statements of a SQL script, comments removed, whitespace collapsed, upper case
// (only to be matched, never run).
std::vector<std::string> normalized_statements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      current += ' ';
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const auto end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 1;
      current += ' ';
      continue;
    }
    if (c == ';') {
      statements.push_back(std::move(current));
      current.clear();
      continue;
    }
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space) {
      if (!current.empty() && current.back() != ' ') current += ' ';
    } else {
      current += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  statements.push_back(std::move(current));
  for (auto& statement : statements) {
    while (!statement.empty() && statement.back() == ' ') statement.pop_back();
    while (!statement.empty() && statement.front() == ' ') statement.erase(0, 1);
  }
  std::erase_if(statements, [](const std::string& statement) { return statement.empty(); });
  return statements;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

std::vector<std::string> breaking_statements(std::string_view sql) {
  std::vector<std::string> breaking;
  for (const std::string& statement : normalized_statements(sql)) {
    const bool drops = statement.starts_with("DROP ") || contains(statement, " DROP COLUMN ") ||
                       contains(statement, " DROP CONSTRAINT ") ||
                       (statement.starts_with("ALTER TABLE ") && contains(statement, " DROP "));
    const bool renames = contains(statement, " RENAME ");
    const bool retypes = statement.starts_with("ALTER TABLE ") &&
                         (contains(statement, " TYPE ") || contains(statement, " SET NOT NULL") ||
                          contains(statement, " SET DATA TYPE "));
    const bool strict_column = statement.starts_with("ALTER TABLE ") &&
                               contains(statement, " ADD ") && contains(statement, " NOT NULL") &&
                               !contains(statement, " DEFAULT ");
    // Dropping an index (a query plan, not a contract) is allowed.
    const bool index_only = statement.starts_with("DROP INDEX ");
    if ((drops && !index_only) || renames || retypes || strict_column)
      breaking.push_back(statement);
  }
  return breaking;
}

core::Result<std::vector<PendingMigration>> pending_migrations(
    Database& database, const std::vector<core::EmbeddedFile>& files) {
  core::Result<std::vector<Migration>> migrations = select_migrations(files, database.backend());
  if (!migrations) return std::move(migrations).error();
  std::vector<PendingMigration> pending;
  core::Result<void> status = database.run_session([&](Session& session) -> core::Result<void> {
    soci::session& sql = session.sql();
    sql << std::string(kCreateTable);
    const std::map<int, Applied> applied = read_applied(sql);
    for (const Migration& migration : *migrations) {
      if (applied.contains(migration.version)) continue;
      pending.push_back({migration.version, migration.name, breaking_statements(migration.sql)});
    }
    return core::ok();
  });
  if (!status) return std::move(status).error();
  return pending;
}

}  // namespace platform::db
