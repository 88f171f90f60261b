// The registry's commands (writes), one handler each. Every change of membership is
// announced through `changed(registry_version)` after it committed (the WatchHub).
//
//   RegisterInstanceHandler register_instance(repository, clock, changed);
//   Result<RegisteredInstance> result = register_instance.handle({registration});
#pragma once

#include <functional>

#include "application/registry_repository.h"

namespace config_service::application {

using Clock = std::function<platform::core::Timestamp()>;
// Called after a change of membership committed, with the new registry version.
using RegistryChanged = std::function<void(std::int64_t registry_version)>;

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

// Run by the sweeper every few hundred milliseconds.
class ExpireLeasesHandler {
 public:
  ExpireLeasesHandler(RegistryRepository& repository, Clock clock, RegistryChanged changed);
  platform::core::Result<Expired> handle();

 private:
  RegistryRepository& repository_;
  Clock clock_;
  RegistryChanged changed_;
};

}  // namespace config_service::application
