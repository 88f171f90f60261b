#include "application/set_traffic.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::Result;

SetTrafficHandler::SetTrafficHandler(RegistryRepository& repository, RegistryChanged changed)
    : repository_(repository), changed_(std::move(changed)) {}

Result<std::int64_t> SetTrafficHandler::handle(const SetTrafficCommand& command) {
  auto errors = domain::validate(command.service, command.split.value_or(domain::TrafficSplit{}));
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  auto version = repository_.set_traffic(command.service, command.split);
  if (!version) return std::move(version).error();
  if (changed_) changed_(*version);
  return *version;
}

}  // namespace config_service::application
