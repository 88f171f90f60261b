#include "platform/db/schema_check.h"

#include <soci/soci.h>

#include <algorithm>
#include <map>
#include <set>

#include "platform/core/uuid.h"
#include "platform/db/database.h"
#include "platform/db/migrations.h"

namespace platform::db {
namespace {

using core::Result;

// SQL text with its runs of white space made one space, for comparing definitions.
std::string squeezed(const std::string& text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

// The objects of the schema the session sees, one line each.
constexpr const char* kSqliteDump =
    "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master "
    "WHERE name NOT LIKE 'sqlite_%'";
constexpr const char* kPostgresqlDump[] = {
    "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || "
    "CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END || "
    "COALESCE(' default ' || column_default, '') FROM information_schema.columns "
    "WHERE table_schema = current_schema()",
    "SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || "
    "pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = current_schema()::regnamespace",
    "SELECT 'index ' || indexname || ': ' || replace(indexdef, current_schema() || '.', '') "
    "FROM pg_indexes WHERE schemaname = current_schema()",
    "SELECT 'trigger ' || event_object_table || '.' || trigger_name || ' ' || "
    "event_manipulation || ' ' || action_timing || ' ' || action_statement "
    "FROM information_schema.triggers WHERE trigger_schema = current_schema()",
    "SELECT 'function ' || p.proname || ': ' || "
    "replace(pg_get_functiondef(p.oid), current_schema() || '.', '') FROM pg_proc p "
    "WHERE p.pronamespace = current_schema()::regnamespace"};

Result<std::set<std::string>> dump(Database& database) {
  return database.read<std::set<std::string>>(
      [&](Session& session) -> Result<std::set<std::string>> {
        std::set<std::string> lines;
        const auto add = [&](const char* query) {
          soci::rowset<std::string> rows = session.sql().prepare << query;
          for (const auto& line : rows) lines.insert(squeezed(line));
        };
        if (session.backend() == Backend::kSqlite) {
          add(kSqliteDump);
        } else {
          for (const char* query : kPostgresqlDump) add(query);
        }
        return lines;
      });
}

struct Applied {
  std::string name;
  std::string checksum;
};

Result<std::map<int, Applied>> applied_migrations(Database& database) {
  return database.read<std::map<int, Applied>>(
      [](Session& session) -> Result<std::map<int, Applied>> {
        std::map<int, Applied> applied;
        soci::rowset<soci::row> rows = session.sql().prepare
                                       << "SELECT version, name, checksum FROM schema_migrations";
        for (const soci::row& row : rows) {
          const int version = row.get_properties(0).get_data_type() == soci::dt_long_long
                                  ? static_cast<int>(row.get<long long>(0))
                                  : row.get<int>(0);
          applied[version] = {row.get<std::string>(1), row.get<std::string>(2)};
        }
        return applied;
      });
}

// `url` with the libpq option that makes `schema` the one its sessions see.
std::string in_schema(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

}  // namespace

Result<SchemaCheck> verify_schema(const std::string& url,
                                  const std::vector<core::EmbeddedFile>& files) {
  auto live = Database::open({.url = url, .pool_size = 1});
  if (!live) return std::move(live).error();
  const Backend backend = (*live)->backend();
  auto migrations = select_migrations(files, backend);
  if (!migrations) return std::move(migrations).error();

  SchemaCheck check;
  auto applied = applied_migrations(**live);
  if (!applied) {
    check.problems.push_back("no migration is recorded (schema_migrations cannot be read: " +
                             applied.error().detail() + ")");
    applied = std::map<int, Applied>();
  }
  std::map<int, const Migration*> known;
  for (const auto& migration : *migrations) known[migration.version] = &migration;
  for (const auto& [version, migration] : *applied) {
    check.applied_version = std::max(check.applied_version, version);
    const auto found = known.find(version);
    const std::string name = std::to_string(version) + "_" + migration.name;
    if (found == known.end()) {
      check.problems.push_back("migration " + name + " is applied but not part of this release");
    } else if (found->second->checksum != migration.checksum) {
      check.problems.push_back("migration " + name + " was edited after it was applied");
    }
  }
  for (const auto& migration : *migrations) {
    if (!applied->contains(migration.version)) {
      check.problems.push_back("migration " + std::to_string(migration.version) + "_" +
                               migration.name + " is not applied");
    }
  }

  // What the migrations make on an empty database of the same kind.
  std::unique_ptr<Database> reference;
  std::string scratch_schema;
  if (backend == Backend::kSqlite) {
    auto opened = Database::open({.url = "sqlite::memory:", .pool_size = 1});
    if (!opened) return std::move(opened).error();
    reference = std::move(*opened);
  } else {
    scratch_schema = "syl_schema_check_" + core::Uuid::v4().to_string().substr(0, 8);
    auto created = (*live)->run_session([&](Session& session) -> Result<void> {
      session.sql() << "CREATE SCHEMA " + scratch_schema;
      return core::ok();
    });
    if (!created) return std::move(created).error();
    auto opened = Database::open({.url = in_schema(url, scratch_schema), .pool_size = 1});
    if (!opened) return std::move(opened).error();
    reference = std::move(*opened);
  }
  auto made = migrate(*reference, files);
  auto expected = made ? dump(*reference) : Result<std::set<std::string>>(made.error());
  reference.reset();
  if (!scratch_schema.empty()) {
    (void)(*live)->run_session([&](Session& session) -> Result<void> {
      session.sql() << "DROP SCHEMA " + scratch_schema + " CASCADE";
      return core::ok();
    });
  }
  if (!expected) return std::move(expected).error();
  auto actual = dump(**live);
  if (!actual) return std::move(actual).error();
  for (const auto& line : *expected) {
    if (!actual->contains(line)) check.problems.push_back("the live schema lacks " + line);
  }
  for (const auto& line : *actual) {
    if (!expected->contains(line))
      check.problems.push_back("the live schema has what no migration makes: " + line);
  }
  return check;
}

}  // namespace platform::db
