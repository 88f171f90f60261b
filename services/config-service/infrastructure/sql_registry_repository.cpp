#include "infrastructure/sql_registry_repository.h"

#include <soci/soci.h>

#include <boost/json.hpp>

namespace config_service::infrastructure {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Timestamp;
using platform::db::Session;

constexpr const char* kColumns =
    "instance_id, service, url, version, colour, zone, metadata, ttl_seconds, registered_at, "
    "lease_expires_us";

long long micros(Timestamp t) {
  return t.time_since_epoch().count();
}
Timestamp from_micros(long long us) {
  return Timestamp(std::chrono::microseconds(us));
}

std::string metadata_text(const domain::Metadata& metadata) {
  boost::json::object object;
  for (const auto& [key, value] : metadata) object[key] = value;
  return boost::json::serialize(object);
}

// One row as SOCI binds it: plain strings and integers, no optionals or bools.
struct InstanceRow {
  std::string instance_id, service, url, version, colour, zone, metadata, registered_at;
  int ttl_seconds = 0;
  long long lease_expires_us = 0;

  static InstanceRow from(const domain::Instance& instance) {
    return {instance.instance_id,
            instance.service,
            instance.url,
            instance.version,
            instance.colour,
            instance.zone,
            metadata_text(instance.metadata),
            platform::core::format_rfc3339(instance.registered_at),
            static_cast<int>(instance.ttl_seconds),
            micros(instance.lease_expires_at)};
  }

  Result<domain::Instance> to_instance() const {
    const auto registered = platform::core::parse_rfc3339(registered_at);
    boost::system::error_code error;
    const boost::json::value parsed = boost::json::parse(metadata, error);
    if (!registered || error || !parsed.is_object())
      return Error::internal("registry_instances row " + instance_id + " is unreadable");
    domain::Metadata map;
    for (const auto& [key, value] : parsed.as_object())
      if (value.is_string()) map.emplace(key, value.as_string());
    return domain::Instance{
        service, instance_id,    url,         version,     colour,
        zone,    std::move(map), ttl_seconds, *registered, from_micros(lease_expires_us)};
  }
};

// + 1 on the one-row counter; on PostgreSQL the row lock also serialises the writers.
Result<std::int64_t> bump_version(Session& session) {
  session.sql() << "UPDATE registry_state SET version = version + 1 WHERE id = 1";
  long long version = 0;
  session.sql() << "SELECT version FROM registry_state WHERE id = 1", soci::into(version);
  return static_cast<std::int64_t>(version);
}

}  // namespace

Result<application::Registered> SqlRegistryRepository::upsert(const domain::Instance& instance,
                                                              Timestamp now) {
  InstanceRow row = InstanceRow::from(instance);
  const long long now_us = micros(now);
  return database_.transaction<application::Registered>(
      [&](Session& session) -> Result<application::Registered> {
        auto version = bump_version(session);
        if (!version) return std::move(version).error();
        long long existing_end = 0;
        std::string existing_registered;
        session.sql() << "SELECT lease_expires_us, registered_at FROM registry_instances "
                         "WHERE instance_id = :id",
            soci::into(existing_end), soci::into(existing_registered), soci::use(row.instance_id);
        const bool existed = session.sql().got_data();
        const bool replaced_live = existed && existing_end > now_us;
        if (replaced_live) row.registered_at = existing_registered;
        if (existed) {
          session.sql() << "UPDATE registry_instances SET service = :service, url = :url, "
                           "version = :version, colour = :colour, zone = :zone, "
                           "metadata = :metadata, ttl_seconds = :ttl, "
                           "registered_at = :registered_at, lease_expires_us = :lease "
                           "WHERE instance_id = :id",
              soci::use(row.service), soci::use(row.url), soci::use(row.version),
              soci::use(row.colour), soci::use(row.zone), soci::use(row.metadata),
              soci::use(row.ttl_seconds), soci::use(row.registered_at),
              soci::use(row.lease_expires_us), soci::use(row.instance_id);
        } else {
          session.sql() << "INSERT INTO registry_instances (" << kColumns
                        << ") VALUES (:id, :service, :url, :version, :colour, :zone, "
                           ":metadata, :ttl, :registered_at, :lease)",
              soci::use(row.instance_id), soci::use(row.service), soci::use(row.url),
              soci::use(row.version), soci::use(row.colour), soci::use(row.zone),
              soci::use(row.metadata), soci::use(row.ttl_seconds), soci::use(row.registered_at),
              soci::use(row.lease_expires_us);
        }
        return application::Registered{!replaced_live, *version};
      });
}

Result<domain::Instance> SqlRegistryRepository::find(const std::string& instance_id) {
  return database_.read<domain::Instance>([&](Session& session) -> Result<domain::Instance> {
    InstanceRow row;
    session.sql() << "SELECT " << kColumns << " FROM registry_instances WHERE instance_id = :id",
        soci::into(row.instance_id), soci::into(row.service), soci::into(row.url),
        soci::into(row.version), soci::into(row.colour), soci::into(row.zone),
        soci::into(row.metadata), soci::into(row.ttl_seconds), soci::into(row.registered_at),
        soci::into(row.lease_expires_us), soci::use(instance_id);
    if (!session.sql().got_data())
      return Error::not_found("instance " + instance_id + " is not registered");
    return row.to_instance();
  });
}

Result<void> SqlRegistryRepository::renew(const std::string& instance_id, Timestamp expected_end,
                                          Timestamp new_end) {
  const long long expected = micros(expected_end);
  const long long renewed = micros(new_end);
  return database_.transaction<void>([&](Session& session) -> Result<void> {
    soci::statement statement =
        (session.sql().prepare << "UPDATE registry_instances SET lease_expires_us = :renewed "
                                  "WHERE instance_id = :id AND lease_expires_us = :expected",
         soci::use(renewed), soci::use(instance_id), soci::use(expected));
    statement.execute(true);
    if (statement.get_affected_rows() == 1) return platform::core::ok();
    return Error::not_found("instance " + instance_id + " changed or is gone");
  });
}

Result<std::int64_t> SqlRegistryRepository::remove(const std::string& instance_id) {
  return database_.transaction<std::int64_t>([&](Session& session) -> Result<std::int64_t> {
    soci::statement statement =
        (session.sql().prepare << "DELETE FROM registry_instances WHERE instance_id = :id",
         soci::use(instance_id));
    statement.execute(true);
    if (statement.get_affected_rows() != 1)
      return Error::not_found("instance " + instance_id + " is not registered");
    return bump_version(session);
  });
}

Result<application::Expired> SqlRegistryRepository::expire(Timestamp now) {
  const long long now_us = micros(now);
  return database_.transaction<application::Expired>(
      [&](Session& session) -> Result<application::Expired> {
        soci::statement statement = (session.sql().prepare << "DELETE FROM registry_instances "
                                                              "WHERE lease_expires_us <= :now",
                                     soci::use(now_us));
        statement.execute(true);
        const auto removed = static_cast<std::size_t>(statement.get_affected_rows());
        if (removed == 0) {
          long long version = 0;
          session.sql() << "SELECT version FROM registry_state WHERE id = 1", soci::into(version);
          return application::Expired{0, version};
        }
        auto version = bump_version(session);
        if (!version) return std::move(version).error();
        return application::Expired{removed, *version};
      });
}

Result<std::vector<domain::Instance>> SqlRegistryRepository::list(const std::string& service) {
  return database_.read<std::vector<domain::Instance>>(
      [&](Session& session) -> Result<std::vector<domain::Instance>> {
        std::string sql = std::string("SELECT ") + kColumns + " FROM registry_instances";
        if (!service.empty()) sql += " WHERE service = :service";
        sql += " ORDER BY service, instance_id";
        InstanceRow row;
        soci::statement statement(session.sql());
        statement.alloc();
        statement.exchange(soci::into(row.instance_id));
        statement.exchange(soci::into(row.service));
        statement.exchange(soci::into(row.url));
        statement.exchange(soci::into(row.version));
        statement.exchange(soci::into(row.colour));
        statement.exchange(soci::into(row.zone));
        statement.exchange(soci::into(row.metadata));
        statement.exchange(soci::into(row.ttl_seconds));
        statement.exchange(soci::into(row.registered_at));
        statement.exchange(soci::into(row.lease_expires_us));
        if (!service.empty()) statement.exchange(soci::use(service, "service"));
        statement.prepare(sql);
        statement.define_and_bind();
        std::vector<domain::Instance> instances;
        if (statement.execute(true)) {
          do {
            auto instance = row.to_instance();
            if (!instance) return std::move(instance).error();
            instances.push_back(std::move(instance).value());
          } while (statement.fetch());
        }
        return instances;
      });
}

Result<std::int64_t> SqlRegistryRepository::registry_version() {
  return database_.read<std::int64_t>([&](Session& session) -> Result<std::int64_t> {
    long long version = 0;
    session.sql() << "SELECT version FROM registry_state WHERE id = 1", soci::into(version);
    return static_cast<std::int64_t>(version);
  });
}

Result<std::int64_t> SqlRegistryRepository::set_traffic(
    const std::string& service, const std::optional<domain::TrafficSplit>& split) {
  return database_.transaction<std::int64_t>([&](Session& session) -> Result<std::int64_t> {
    session.sql() << "DELETE FROM registry_traffic WHERE service = :service", soci::use(service);
    if (split) {
      const long long blue = split->blue;
      const long long green = split->green;
      session.sql() << "INSERT INTO registry_traffic (service, blue, green) "
                       "VALUES (:service, :blue, :green)",
          soci::use(service), soci::use(blue), soci::use(green);
    }
    return bump_version(session);
  });
}

Result<std::optional<domain::TrafficSplit>> SqlRegistryRepository::traffic(
    const std::string& service) {
  return database_.read<std::optional<domain::TrafficSplit>>(
      [&](Session& session) -> Result<std::optional<domain::TrafficSplit>> {
        long long blue = 0;
        long long green = 0;
        session.sql() << "SELECT blue, green FROM registry_traffic WHERE service = :service",
            soci::use(service), soci::into(blue), soci::into(green);
        if (!session.sql().got_data()) return std::optional<domain::TrafficSplit>{};
        return std::optional<domain::TrafficSplit>{domain::TrafficSplit{blue, green}};
      });
}

}  // namespace config_service::infrastructure
