// ListServicesHandler: every service with a healthy instance, and how many it has.
// Lapsed instances are never counted, even before the sweeper removed them.
#pragma once

#include "application/clock.h"
#include "application/registry_repository.h"

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

}  // namespace config_service::application
