#include "application/deregister.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

DeregisterHandler::DeregisterHandler(RegistryRepository& repository, RegistryChanged changed)
    : repository_(repository), changed_(std::move(changed)) {}

Result<void> DeregisterHandler::handle(const DeregisterCommand& command) {
  auto removed = repository_.remove(command.instance_id);
  if (!removed) {
    if (removed.error().code() == ErrorCode::kNotFound)
      return Error::not_found("instance " + command.instance_id + " is not registered");
    return std::move(removed).error();
  }
  if (changed_) changed_(*removed);
  return platform::core::ok();
}

}  // namespace config_service::application
