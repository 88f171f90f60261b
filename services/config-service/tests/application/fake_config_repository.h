// An in-memory ConfigRepository for handler tests.
#pragma once

#include <algorithm>

#include "application/config_repository.h"

namespace config_service::application {

class FakeConfigRepository final : public ConfigRepository {
 public:
  platform::core::Result<void> put_schema(const std::string& service,
                                          const domain::SettingSchema& schema,
                                          platform::core::Timestamp) override {
    schemas_[service] = schema;
    return platform::core::ok();
  }
  platform::core::Result<domain::SettingSchema> schema(const std::string& service) override {
    auto it = schemas_.find(service);
    if (it == schemas_.end()) return platform::core::Error::not_found(service);
    return it->second;
  }
  platform::core::Result<std::int64_t> append(const NewConfigVersion& change,
                                              std::int64_t expected) override {
    auto& version = versions_[change.service];
    if (expected != kAnyVersion && expected != version)
      return platform::core::Error::version_mismatch(change.service);
    ++version;
    rows_.push_back({change.service, change.env, version, change.author, change.comment,
                     change.created_at, change.settings});
    return version;
  }
  platform::core::Result<ConfigSnapshot> snapshot(const std::string& service,
                                                  const std::string& env) override {
    ConfigSnapshot snapshot{versions_[service], latest(service, domain::kDefaultEnv), {}};
    if (env != domain::kDefaultEnv) snapshot.overlay = latest(service, env);
    return snapshot;
  }
  platform::core::Result<std::vector<domain::ConfigVersion>> history(const std::string& service,
                                                                     const std::string& env,
                                                                     std::size_t limit) override {
    std::vector<domain::ConfigVersion> result;
    for (auto it = rows_.rbegin(); it != rows_.rend() && result.size() < limit; ++it)
      if (it->service == service && it->env == env) result.push_back(*it);
    return result;
  }
  platform::core::Result<domain::ConfigVersion> find_version(const std::string& service,
                                                             const std::string& env,
                                                             std::int64_t version) override {
    for (const auto& row : rows_)
      if (row.service == service && row.env == env && row.version == version) return row;
    return platform::core::Error::not_found(service);
  }

 private:
  domain::Settings latest(const std::string& service, const std::string& env) const {
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it)
      if (it->service == service && it->env == env) return it->settings;
    return {};
  }

  std::map<std::string, domain::SettingSchema> schemas_;
  std::map<std::string, std::int64_t> versions_;
  std::vector<domain::ConfigVersion> rows_;
};

}  // namespace config_service::application
