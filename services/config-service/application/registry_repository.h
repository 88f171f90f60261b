// The port through which the registry's commands and queries reach stored instances.
// Implemented by infrastructure/sql_registry_repository (SQLite and PostgreSQL) and by a
// fake in tests. Every change of membership adds 1 to the registry version in the same
// transaction; renewing a lease is not a change of membership and keeps it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/instance.h"
#include "platform/core/result.h"

namespace config_service::application {

// Called after a change of membership or traffic committed, with the new registry version (the
// WatchHub wakes the registry's watchers).
using RegistryChanged = std::function<void(std::int64_t registry_version)>;

struct Registered {
  bool created = false;  // false: a live instance with this id was replaced
  std::int64_t registry_version = 0;
};

struct Expired {
  std::size_t removed = 0;
  std::int64_t registry_version = 0;  // unchanged when nothing was removed
};

class RegistryRepository {
 public:
  virtual ~RegistryRepository() = default;

  // Stores the instance, replacing one with the same id; `created` is true unless a
  // live one (lease not lapsed at `now`) was replaced, whose registered_at is kept.
  virtual platform::core::Result<Registered> upsert(const domain::Instance& instance,
                                                    platform::core::Timestamp now) = 0;
  // kNotFound when absent.
  virtual platform::core::Result<domain::Instance> find(const std::string& instance_id) = 0;
  // Moves the lease end of `instance_id` from `expected_end` to `new_end`: kNotFound when
  // the instance is gone or its lease changed meanwhile.
  virtual platform::core::Result<void> renew(const std::string& instance_id,
                                             platform::core::Timestamp expected_end,
                                             platform::core::Timestamp new_end) = 0;
  // kNotFound when absent; returns the new registry version.
  virtual platform::core::Result<std::int64_t> remove(const std::string& instance_id) = 0;
  // Removes every instance whose lease ended at or before `now`.
  virtual platform::core::Result<Expired> expire(platform::core::Timestamp now) = 0;
  // Every stored instance (lapsed ones too) of `service`, or of all services when empty,
  // ordered by service then instance id.
  virtual platform::core::Result<std::vector<domain::Instance>> list(
      const std::string& service) = 0;
  virtual platform::core::Result<std::int64_t> registry_version() = 0;
  // Sets the traffic split of `service`, or clears it (nullopt); a change for the
  // registry's watchers like one of membership: returns the new registry version.
  virtual platform::core::Result<std::int64_t> set_traffic(
      const std::string& service, const std::optional<domain::TrafficSplit>& split) = 0;
  // The split of `service`; nullopt when none is set.
  virtual platform::core::Result<std::optional<domain::TrafficSplit>> traffic(
      const std::string& service) = 0;
};

}  // namespace config_service::application
