// DeregisterCommand and its handler: an instance leaves the registry (on SIGTERM).
//
//   DeregisterHandler deregister(repository, changed);
//   Result<void> removed = deregister.handle({.instance_id = "subject-service-1a2b"});
#pragma once

#include "application/registry_repository.h"

namespace config_service::application {

struct DeregisterCommand {
  std::string instance_id;
};

class DeregisterHandler {
 public:
  DeregisterHandler(RegistryRepository& repository, RegistryChanged changed);
  // kNotFound when unknown.
  platform::core::Result<void> handle(const DeregisterCommand& command);

 private:
  RegistryRepository& repository_;
  RegistryChanged changed_;
};

}  // namespace config_service::application
