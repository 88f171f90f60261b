#include "infrastructure/sql_config_repository.h"

#include <soci/soci.h>

#include <boost/json.hpp>

namespace config_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Timestamp;
using platform::db::Session;

std::string settings_text(const domain::Settings& settings) {
  boost::json::object object;
  for (const auto& [key, value] : settings) object[key] = value;
  return boost::json::serialize(object);
}

std::optional<domain::Settings> settings_of(const std::string& text) {
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(text, error);
  if (error || !parsed.is_object()) return std::nullopt;
  domain::Settings settings;
  for (const auto& [key, value] : parsed.as_object())
    if (value.is_string()) settings.emplace(key, value.as_string());
  return settings;
}

// One config_versions row as SOCI binds it: plain strings and integers.
struct VersionRow {
  std::string service, env, author, comment, created_at, settings_json;
  long long version = 0;

  Result<domain::ConfigVersion> to_version() const {
    const auto created = platform::core::parse_rfc3339(created_at);
    auto settings = settings_of(settings_json);
    if (!created || !settings)
      return Error::internal("config_versions row " + service + "/" + env + "/" +
                             std::to_string(version) + " is unreadable");
    return domain::ConfigVersion{
        service, env, version, author, comment, *created, std::move(*settings)};
  }
};

constexpr const char* kColumns =
    "service, env, version, author, comment, created_at, settings_json";

// The latest document of (service, env), empty when none.
Result<domain::Settings> latest(Session& session, const std::string& service,
                                const std::string& env) {
  std::string text;
  session.sql() << "SELECT settings_json FROM config_versions WHERE service = :service "
                   "AND env = :env ORDER BY version DESC LIMIT 1",
      soci::into(text), soci::use(service), soci::use(env);
  if (!session.sql().got_data()) return domain::Settings{};
  auto settings = settings_of(text);
  if (!settings) return Error::internal("a config_versions row of " + service + " is unreadable");
  return std::move(*settings);
}

}  // namespace

Result<void> SqlConfigRepository::put_schema(const std::string& service,
                                             const domain::SettingSchema& schema, Timestamp now) {
  const std::string json = schema.to_json();
  const std::string updated_at = platform::core::format_rfc3339(now);
  return database_.transaction<void>([&](Session& session) -> Result<void> {
    session.sql() << "INSERT INTO config_schemas (service, schema_json, updated_at) "
                     "VALUES (:service, :json, :updated_at) ON CONFLICT (service) DO UPDATE "
                     "SET schema_json = excluded.schema_json, updated_at = excluded.updated_at",
        soci::use(service), soci::use(json), soci::use(updated_at);
    return platform::core::ok();
  });
}

Result<domain::SettingSchema> SqlConfigRepository::schema(const std::string& service) {
  return database_.read<domain::SettingSchema>(
      [&](Session& session) -> Result<domain::SettingSchema> {
        std::string json;
        session.sql() << "SELECT schema_json FROM config_schemas WHERE service = :service",
            soci::into(json), soci::use(service);
        if (!session.sql().got_data())
          return Error::not_found("service " + service + " has no settings schema");
        auto parsed = domain::SettingSchema::parse(json);
        if (!parsed) return Error::internal("the stored schema of " + service + " is unreadable");
        return parsed;
      });
}

Result<std::int64_t> SqlConfigRepository::append(const application::NewConfigVersion& change,
                                                 std::int64_t expected_version) {
  const std::string created_at = platform::core::format_rfc3339(change.created_at);
  const std::string settings = settings_text(change.settings);
  return database_.transaction<std::int64_t>([&](Session& session) -> Result<std::int64_t> {
    // + 1 first: on PostgreSQL the row lock serialises the writers of one service, so
    // the If-Match comparison below cannot race.
    long long version = 0;
    session.sql() << "INSERT INTO config_services (service, version) VALUES (:service, 1) "
                     "ON CONFLICT (service) DO UPDATE SET version = config_services.version + 1 "
                     "RETURNING version",
        soci::into(version), soci::use(change.service);
    if (expected_version != application::kAnyVersion && version - 1 != expected_version)
      return Error::version_mismatch("the configuration of " + change.service + " is at version " +
                                     std::to_string(version - 1) + ", not " +
                                     std::to_string(expected_version));
    session.sql() << "INSERT INTO config_versions (" << kColumns
                  << ") VALUES (:service, :env, :version, :author, :comment, :created_at, "
                     ":settings)",
        soci::use(change.service), soci::use(change.env), soci::use(version),
        soci::use(change.author), soci::use(change.comment), soci::use(created_at),
        soci::use(settings);
    return static_cast<std::int64_t>(version);
  });
}

Result<application::ConfigSnapshot> SqlConfigRepository::snapshot(const std::string& service,
                                                                  const std::string& env) {
  return database_.read<application::ConfigSnapshot>(
      [&](Session& session) -> Result<application::ConfigSnapshot> {
        // The version first: documents read after it are at least as new, so a watcher
        // that saw this version is woken again by anything newer.
        long long version = 0;
        session.sql() << "SELECT version FROM config_services WHERE service = :service",
            soci::into(version), soci::use(service);
        if (!session.sql().got_data()) version = 0;
        application::ConfigSnapshot snapshot;
        snapshot.version = version;
        auto base = latest(session, service, domain::kDefaultEnv);
        if (!base) return std::move(base).error();
        snapshot.base = std::move(*base);
        if (env != domain::kDefaultEnv) {
          auto overlay = latest(session, service, env);
          if (!overlay) return std::move(overlay).error();
          snapshot.overlay = std::move(*overlay);
        }
        return snapshot;
      });
}

Result<std::vector<domain::ConfigVersion>> SqlConfigRepository::history(const std::string& service,
                                                                        const std::string& env,
                                                                        std::size_t limit) {
  return database_.read<std::vector<domain::ConfigVersion>>(
      [&](Session& session) -> Result<std::vector<domain::ConfigVersion>> {
        // `limit` is a number chosen by the handler, so it is written into the SQL.
        const std::string sql = std::string("SELECT ") + kColumns +
                                " FROM config_versions WHERE service = :service AND env = :env "
                                "ORDER BY version DESC LIMIT " +
                                std::to_string(limit);
        VersionRow row;
        soci::statement statement =
            (session.sql().prepare << sql, soci::into(row.service), soci::into(row.env),
             soci::into(row.version), soci::into(row.author), soci::into(row.comment),
             soci::into(row.created_at), soci::into(row.settings_json), soci::use(service),
             soci::use(env));
        std::vector<domain::ConfigVersion> versions;
        if (statement.execute(true)) {
          do {
            auto version = row.to_version();
            if (!version) return std::move(version).error();
            versions.push_back(std::move(version).value());
          } while (statement.fetch());
        }
        return versions;
      });
}

Result<domain::ConfigVersion> SqlConfigRepository::find_version(const std::string& service,
                                                                const std::string& env,
                                                                std::int64_t version) {
  const long long wanted = version;
  return database_.read<domain::ConfigVersion>(
      [&](Session& session) -> Result<domain::ConfigVersion> {
        VersionRow row;
        session.sql() << "SELECT " << kColumns
                      << " FROM config_versions WHERE service = :service AND env = :env "
                         "AND version = :version",
            soci::into(row.service), soci::into(row.env), soci::into(row.version),
            soci::into(row.author), soci::into(row.comment), soci::into(row.created_at),
            soci::into(row.settings_json), soci::use(service), soci::use(env), soci::use(wanted);
        if (!session.sql().got_data())
          return Error::not_found(service + " (" + env + ") has no version " +
                                  std::to_string(version));
        return row.to_version();
      });
}

}  // namespace config_service::infrastructure
