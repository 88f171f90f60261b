// SetTrafficCommand and its handler: how a service's calls divide between its blue and
// green instances while a deploy shifts them, or (no split) that they no longer do.
//
//   SetTrafficHandler set_traffic(repository, changed);
//   auto version = set_traffic.handle({"subject-service", domain::TrafficSplit{90, 10}});
//   set_traffic.handle({"subject-service", std::nullopt});     // every instance alike
#pragma once

#include <optional>

#include "application/registry_repository.h"

namespace config_service::application {

struct SetTrafficCommand {
  std::string service;
  std::optional<domain::TrafficSplit> split;  // nullopt: clear it
};

class SetTrafficHandler {
 public:
  SetTrafficHandler(RegistryRepository& repository, RegistryChanged changed);
  // kInvalidArgument naming the field for a bad name or split; the registry version the
  // change made (the watchers of the service see it with its instances).
  platform::core::Result<std::int64_t> handle(const SetTrafficCommand& command);

 private:
  RegistryRepository& repository_;
  RegistryChanged changed_;
};

}  // namespace config_service::application
