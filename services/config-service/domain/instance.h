// A registered service instance and the rules of its lease.
//
//   Registration registration{.service = "subject-service", .instance_id = "s-1", .url = ...};
//   if (auto errors = validate(registration); !errors.empty()) ...
//   Instance instance = new_instance(registration, now);     // lease = now + ttl
//   if (is_lapsed(instance, now)) ...                         // not listed as healthy
//   Instance renewed = renew(instance, now);                  // heartbeat
//
// Standard library and platform::core only: no database, no HTTP.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/time.h"

namespace config_service::domain {

inline constexpr std::int64_t kDefaultTtlSeconds = 10;
inline constexpr std::int64_t kMinTtlSeconds = 1;
inline constexpr std::int64_t kMaxTtlSeconds = 300;
inline constexpr std::size_t kMaxNameLength = 100;
inline constexpr std::size_t kMaxUrlLength = 2000;
inline constexpr std::size_t kMaxMetadataEntries = 50;

using Metadata = std::map<std::string, std::string>;

// What an instance says about itself when it registers.
struct Registration {
  std::string service;
  std::string instance_id;
  std::string url;
  std::string version;
  std::string colour;  // "blue", "green" or "" (no blue-green deployment)
  std::string zone;
  Metadata metadata;
  std::int64_t ttl_seconds = kDefaultTtlSeconds;
};

struct Instance {
  std::string service;
  std::string instance_id;
  std::string url;
  std::string version;
  std::string colour;
  std::string zone;
  Metadata metadata;
  std::int64_t ttl_seconds = kDefaultTtlSeconds;
  platform::core::Timestamp registered_at;
  platform::core::Timestamp lease_expires_at;

  friend bool operator==(const Instance&, const Instance&) = default;
};

// How the calls to one service divide between its colours during a blue-green deploy:
// the percent of picks that go to each (instances without a colour count as blue). The
// two add up to 100. A service without a split spreads its calls over every healthy
// instance alike.
struct TrafficSplit {
  std::int64_t blue = 100;
  std::int64_t green = 0;

  friend bool operator==(const TrafficSplit&, const TrafficSplit&) = default;
};

// Every rule the registration breaks, one FieldError per field.
std::vector<platform::core::FieldError> validate(const Registration& registration);
// The rules of a split (each 0 to 100, together 100) and of the service's name.
std::vector<platform::core::FieldError> validate(const std::string& service,
                                                 const TrafficSplit& split);

// A new instance whose lease runs for ttl_seconds from `now`.
Instance new_instance(const Registration& registration, platform::core::Timestamp now);

// The lease's end for a lease taken or renewed at `now`.
platform::core::Timestamp lease_end(platform::core::Timestamp now, std::int64_t ttl_seconds);

// A lease is valid while now < lease_expires_at; from then on the instance is lapsed:
// not healthy, not renewable, and the sweeper removes it.
bool is_lapsed(const Instance& instance, platform::core::Timestamp now);

// The instance with its lease renewed from `now` (a heartbeat). Only for live instances.
Instance renew(const Instance& instance, platform::core::Timestamp now);

}  // namespace config_service::domain
