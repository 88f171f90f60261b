// ListInstancesQuery and its handler: the healthy instances of one service. Lapsed
// instances are never listed as healthy, even before the sweeper removed them.
#pragma once

#include <optional>

#include "application/clock.h"
#include "application/registry_repository.h"

namespace config_service::application {

struct ListInstancesQuery {
  std::string service;
  bool include_lapsed = false;  // all=true: lapsed-but-not-yet-swept ones too
};

struct InstancesView {
  std::string service;
  std::int64_t registry_version = 0;
  std::vector<domain::Instance> instances;      // by instance id
  std::optional<domain::TrafficSplit> traffic;  // set while a deploy shifts the calls
};

class ListInstancesHandler {
 public:
  ListInstancesHandler(RegistryRepository& repository, Clock clock)
      : repository_(repository), clock_(std::move(clock)) {}
  // An unknown service is an empty list, not an error.
  platform::core::Result<InstancesView> handle(const ListInstancesQuery& query);
  // The healthy instances of every service, by service then instance id (`service` of
  // the view is empty): what Prometheus scrapes.
  platform::core::Result<InstancesView> every_service();

 private:
  RegistryRepository& repository_;
  Clock clock_;
};

}  // namespace config_service::application
