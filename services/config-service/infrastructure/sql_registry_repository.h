// RegistryRepository over platform::db: the same SQL on SQLite and PostgreSQL.
#pragma once

#include "application/registry_repository.h"
#include "platform/db/database.h"

namespace config_service::infrastructure {

class SqlRegistryRepository final : public application::RegistryRepository {
 public:
  explicit SqlRegistryRepository(platform::db::Database& database) : database_(database) {}

  platform::core::Result<application::Registered> upsert(const domain::Instance& instance,
                                                         platform::core::Timestamp now) override;
  platform::core::Result<domain::Instance> find(const std::string& instance_id) override;
  platform::core::Result<void> renew(const std::string& instance_id,
                                     platform::core::Timestamp expected_end,
                                     platform::core::Timestamp new_end) override;
  platform::core::Result<std::int64_t> remove(const std::string& instance_id) override;
  platform::core::Result<application::Expired> expire(platform::core::Timestamp now) override;
  platform::core::Result<std::vector<domain::Instance>> list(const std::string& service) override;
  platform::core::Result<std::int64_t> registry_version() override;
  platform::core::Result<std::int64_t> set_traffic(
      const std::string& service, const std::optional<domain::TrafficSplit>& split) override;
  platform::core::Result<std::optional<domain::TrafficSplit>> traffic(
      const std::string& service) override;

 private:
  platform::db::Database& database_;
};

}  // namespace config_service::infrastructure
