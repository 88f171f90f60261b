// HeartbeatCommand and its handler: an instance renews its lease.
//
//   HeartbeatHandler heartbeat(repository, clock);
//   Result<Instance> renewed = heartbeat.handle({.instance_id = "subject-service-1a2b"});
#pragma once

#include "application/clock.h"
#include "application/registry_repository.h"

namespace config_service::application {

struct HeartbeatCommand {
  std::string instance_id;
};

class HeartbeatHandler {
 public:
  HeartbeatHandler(RegistryRepository& repository, Clock clock);
  // The renewed instance; kNotFound when unknown or lapsed (the client registers again).
  platform::core::Result<domain::Instance> handle(const HeartbeatCommand& command);

 private:
  RegistryRepository& repository_;
  Clock clock_;
};

}  // namespace config_service::application
