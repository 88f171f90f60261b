// ConfigRepository over platform::db: the same SQL on SQLite and PostgreSQL.
#pragma once

#include "application/config_repository.h"
#include "platform/db/database.h"

namespace config_service::infrastructure {

class SqlConfigRepository final : public application::ConfigRepository {
 public:
  explicit SqlConfigRepository(platform::db::Database& database) : database_(database) {}

  platform::core::Result<void> put_schema(const std::string& service,
                                          const domain::SettingSchema& schema,
                                          platform::core::Timestamp now) override;
  platform::core::Result<domain::SettingSchema> schema(const std::string& service) override;
  platform::core::Result<std::int64_t> append(const application::NewConfigVersion& change,
                                              std::int64_t expected_version) override;
  platform::core::Result<application::ConfigSnapshot> snapshot(const std::string& service,
                                                               const std::string& env) override;
  platform::core::Result<std::vector<domain::ConfigVersion>> history(const std::string& service,
                                                                     const std::string& env,
                                                                     std::size_t limit) override;
  platform::core::Result<domain::ConfigVersion> find_version(const std::string& service,
                                                             const std::string& env,
                                                             std::int64_t version) override;

 private:
  platform::db::Database& database_;
};

}  // namespace config_service::infrastructure
