// RegisterInstanceCommand and its handler: an instance joins the registry (or renews its
// registration) with a lease.
//
//   RegisterInstanceHandler register_instance(repository, clock, changed);
//   Result<RegisteredInstance> result = register_instance.handle({registration});
#pragma once

#include "application/clock.h"
#include "application/registry_repository.h"

namespace config_service::application {

struct RegisterInstanceCommand {
  domain::Registration registration;
};

struct RegisteredInstance {
  domain::Instance instance;
  bool created = false;
  std::int64_t registry_version = 0;
};

class RegisterInstanceHandler {
 public:
  RegisterInstanceHandler(RegistryRepository& repository, Clock clock, RegistryChanged changed);
  // kInvalidArgument with every bad field.
  platform::core::Result<RegisteredInstance> handle(const RegisterInstanceCommand& command);

 private:
  RegistryRepository& repository_;
  Clock clock_;
  RegistryChanged changed_;
};

}  // namespace config_service::application
