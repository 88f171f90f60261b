// The port through which the configuration handlers reach schemas and documents.
// Implemented by infrastructure/sql_config_repository (SQLite and PostgreSQL) and by a
// fake in tests. Every appended document adds 1 to its service's version in the same
// transaction; a schema is no document and keeps it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/config_document.h"
#include "platform/core/result.h"

namespace config_service::application {

inline constexpr std::int64_t kAnyVersion = -1;

// Called after a document version committed, with the service's new version (the
// WatchHub wakes the service's watchers).
using ConfigChanged = std::function<void(const std::string& service, std::int64_t version)>;

struct NewConfigVersion {
  std::string service;
  std::string env;
  std::string author;
  std::string comment;
  platform::core::Timestamp created_at;
  domain::Settings settings;
};

// What a GET needs, read together: the service's version and the two documents.
struct ConfigSnapshot {
  std::int64_t version = 0;  // 0 before the first document
  domain::Settings base;     // env=default; empty when none
  domain::Settings overlay;  // env; empty when none or when env is default
};

class ConfigRepository {
 public:
  virtual ~ConfigRepository() = default;

  // Stores or replaces the schema of `service`.
  virtual platform::core::Result<void> put_schema(const std::string& service,
                                                  const domain::SettingSchema& schema,
                                                  platform::core::Timestamp now) = 0;
  // kNotFound when the service has none.
  virtual platform::core::Result<domain::SettingSchema> schema(const std::string& service) = 0;
  // Appends a version; returns the service's new version. kVersionMismatch when
  // `expected_version` is not kAnyVersion and differs from the service's version.
  virtual platform::core::Result<std::int64_t> append(const NewConfigVersion& change,
                                                      std::int64_t expected_version) = 0;
  virtual platform::core::Result<ConfigSnapshot> snapshot(const std::string& service,
                                                          const std::string& env) = 0;
  // The changes of one (service, env), newest first, at most `limit`.
  virtual platform::core::Result<std::vector<domain::ConfigVersion>> history(
      const std::string& service, const std::string& env, std::size_t limit) = 0;
  // kNotFound when (service, env) has no such version.
  virtual platform::core::Result<domain::ConfigVersion> find_version(const std::string& service,
                                                                     const std::string& env,
                                                                     std::int64_t version) = 0;
};

// The schema of `service`; kNotFound saying that the service has none.
platform::core::Result<domain::SettingSchema> schema_of(ConfigRepository& repository,
                                                        const std::string& service);

// Who reads: only holders of the platform token see the values of secret settings.
struct Reader {
  bool holds_platform_token = false;
};

// kUnauthenticated when `reader` may not see what it asked for: `holds_secret` (what the
// answer would show holds a secret setting of `service`) and no platform token.
platform::core::Result<void> check_reader(const Reader& reader, const std::string& service,
                                          bool holds_secret);

}  // namespace config_service::application
