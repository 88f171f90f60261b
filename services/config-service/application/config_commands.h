// The configuration commands (writes), one handler each. Every new document version is
// announced through `changed(service, version)` after it committed (the WatchHub).
//
//   PutConfigHandler put_config(repository, clock, changed);
//   Result<std::int64_t> version = put_config.handle({.service = "svc", .env = "default",
//                                                     .settings = {{"log.level", "debug"}},
//                                                     .author = "ana"});
#pragma once

#include <functional>
#include <optional>

#include "application/config_repository.h"
#include "application/registry_commands.h"

namespace config_service::application {

// Called after a document version committed, with the service's new version.
using ConfigChanged = std::function<void(const std::string& service, std::int64_t version)>;

struct PutSchemaCommand {
  std::string service;
  domain::SettingSchema schema;
};

class PutSchemaHandler {
 public:
  PutSchemaHandler(ConfigRepository& repository, Clock clock)
      : repository_(repository), clock_(std::move(clock)) {}
  platform::core::Result<void> handle(const PutSchemaCommand& command);

 private:
  ConfigRepository& repository_;
  Clock clock_;
};

struct PutConfigCommand {
  std::string service;
  std::string env = domain::kDefaultEnv;
  domain::Settings settings;
  std::string author;
  std::string comment;
  std::optional<std::int64_t> if_match;  // the service version the writer saw
};

class PutConfigHandler {
 public:
  PutConfigHandler(ConfigRepository& repository, Clock clock, ConfigChanged changed)
      : repository_(repository), clock_(std::move(clock)), changed_(std::move(changed)) {}
  // The service's new version. kNotFound without a schema; kInvalidArgument with every
  // bad key, value and a missing author; kVersionMismatch when `if_match` is stale.
  platform::core::Result<std::int64_t> handle(const PutConfigCommand& command);

 private:
  ConfigRepository& repository_;
  Clock clock_;
  ConfigChanged changed_;
};

struct RollbackCommand {
  std::string service;
  std::string env = domain::kDefaultEnv;
  std::int64_t to_version = 0;
  std::string author;
};

class RollbackHandler {
 public:
  RollbackHandler(ConfigRepository& repository, Clock clock, ConfigChanged changed)
      : repository_(repository), clock_(std::move(clock)), changed_(std::move(changed)) {}
  // A new version whose settings equal those of `to_version` of the same env. kNotFound
  // for an unknown version; kInvalidArgument without an author or when those settings no
  // longer pass the current schema.
  platform::core::Result<std::int64_t> handle(const RollbackCommand& command);

 private:
  ConfigRepository& repository_;
  Clock clock_;
  ConfigChanged changed_;
};

// kInvalidArgument for an empty or over-long service or env name.
std::vector<platform::core::FieldError> validate_names(const std::string& service,
                                                       const std::string& env);

}  // namespace config_service::application
