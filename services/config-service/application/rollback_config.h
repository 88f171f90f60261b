// RollbackCommand and its handler: a new version of one (service, env) document equal to
// an earlier one, announced through `changed(service, version)` once it committed.
//
//   RollbackHandler rollback(repository, clock, changed);
//   Result<std::int64_t> version = rollback.handle({.service = "svc", .to_version = 3,
//                                                   .author = "ana"});
#pragma once

#include "application/clock.h"
#include "application/config_repository.h"

namespace config_service::application {

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

}  // namespace config_service::application
