#include "application/expire_leases.h"

namespace config_service::application {

using platform::core::Result;

ExpireLeasesHandler::ExpireLeasesHandler(RegistryRepository& repository, Clock clock,
                                         RegistryChanged changed)
    : repository_(repository), clock_(std::move(clock)), changed_(std::move(changed)) {}

Result<Expired> ExpireLeasesHandler::handle() {
  auto expired = repository_.expire(clock_());
  if (expired && expired->removed > 0 && changed_) changed_(expired->registry_version);
  return expired;
}

}  // namespace config_service::application
