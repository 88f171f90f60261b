// An in-memory RegistryRepository for handler tests.
#pragma once

#include <map>

#include "application/registry_repository.h"

namespace config_service::application {

class FakeRegistryRepository final : public RegistryRepository {
 public:
  platform::core::Result<Registered> upsert(const domain::Instance& instance,
                                            platform::core::Timestamp now) override {
    auto existing = instances_.find(instance.instance_id);
    const bool live = existing != instances_.end() && !domain::is_lapsed(existing->second, now);
    domain::Instance stored = instance;
    if (live) stored.registered_at = existing->second.registered_at;
    instances_[instance.instance_id] = stored;
    return Registered{!live, ++version_};
  }
  platform::core::Result<domain::Instance> find(const std::string& id) override {
    auto it = instances_.find(id);
    if (it == instances_.end()) return platform::core::Error::not_found(id);
    return it->second;
  }
  platform::core::Result<void> renew(const std::string& id, platform::core::Timestamp expected,
                                     platform::core::Timestamp new_end) override {
    auto it = instances_.find(id);
    if (it == instances_.end() || it->second.lease_expires_at != expected)
      return platform::core::Error::not_found(id);
    it->second.lease_expires_at = new_end;
    return platform::core::ok();
  }
  platform::core::Result<std::int64_t> remove(const std::string& id) override {
    if (instances_.erase(id) == 0) return platform::core::Error::not_found(id);
    return ++version_;
  }
  platform::core::Result<Expired> expire(platform::core::Timestamp now) override {
    std::size_t removed = 0;
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (domain::is_lapsed(it->second, now)) {
        it = instances_.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    if (removed > 0) ++version_;
    return Expired{removed, version_};
  }
  platform::core::Result<std::vector<domain::Instance>> list(const std::string& service) override {
    std::vector<domain::Instance> result;
    for (const auto& [id, instance] : instances_)
      if (service.empty() || instance.service == service) result.push_back(instance);
    std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
      return std::tie(a.service, a.instance_id) < std::tie(b.service, b.instance_id);
    });
    return result;
  }
  platform::core::Result<std::int64_t> registry_version() override { return version_; }
  platform::core::Result<std::int64_t> set_traffic(
      const std::string& service, const std::optional<domain::TrafficSplit>& split) override {
    if (split)
      traffic_[service] = *split;
    else
      traffic_.erase(service);
    return ++version_;
  }
  platform::core::Result<std::optional<domain::TrafficSplit>> traffic(
      const std::string& service) override {
    auto found = traffic_.find(service);
    if (found == traffic_.end()) return std::optional<domain::TrafficSplit>{};
    return std::optional<domain::TrafficSplit>{found->second};
  }

 private:
  std::map<std::string, domain::TrafficSplit> traffic_;
  std::map<std::string, domain::Instance> instances_;
  std::int64_t version_ = 0;
};

}  // namespace config_service::application
