// The registry's queries (reads), one handler each. Lapsed instances are never counted
// or listed as healthy, even before the sweeper removed them.
#pragma once

#include "application/registry_commands.h"

namespace config_service::application {

struct ServiceSummary {
  std::string name;
  std::size_t healthy_instances = 0;
};

struct ServicesView {
  std::int64_t registry_version = 0;
  std::vector<ServiceSummary> services;  // by name; only services with a healthy instance
};

class ListServicesHandler {
 public:
  ListServicesHandler(RegistryRepository& repository, Clock clock)
      : repository_(repository), clock_(std::move(clock)) {}
  platform::core::Result<ServicesView> handle();

 private:
  RegistryRepository& repository_;
  Clock clock_;
};

struct ListInstancesQuery {
  std::string service;
  bool include_lapsed = false;  // all=true: lapsed-but-not-yet-swept ones too
};

struct InstancesView {
  std::string service;
  std::int64_t registry_version = 0;
  std::vector<domain::Instance> instances;  // by instance id
};

class ListInstancesHandler {
 public:
  ListInstancesHandler(RegistryRepository& repository, Clock clock)
      : repository_(repository), clock_(std::move(clock)) {}
  // An unknown service is an empty list, not an error.
  platform::core::Result<InstancesView> handle(const ListInstancesQuery& query);

 private:
  RegistryRepository& repository_;
  Clock clock_;
};

}  // namespace config_service::application
