// PutConfigCommand and its handler: a new version of one (service, env) document,
// announced through `changed(service, version)` once it committed.
//
//   PutConfigHandler put_config(repository, clock, changed);
//   Result<std::int64_t> version = put_config.handle({.service = "svc", .env = "default",
//                                                     .settings = {{"log.level", "debug"}},
//                                                     .author = "ana"});
#pragma once

#include <optional>

#include "application/clock.h"
#include "application/config_repository.h"

namespace config_service::application {

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

}  // namespace config_service::application
