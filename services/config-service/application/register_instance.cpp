#include "application/register_instance.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::Result;

RegisterInstanceHandler::RegisterInstanceHandler(RegistryRepository& repository, Clock clock,
                                                 RegistryChanged changed)
    : repository_(repository), clock_(std::move(clock)), changed_(std::move(changed)) {}

Result<RegisteredInstance> RegisterInstanceHandler::handle(const RegisterInstanceCommand& command) {
  if (auto errors = domain::validate(command.registration); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  const auto now = clock_();
  domain::Instance instance = domain::new_instance(command.registration, now);
  auto registered = repository_.upsert(instance, now);
  if (!registered) return std::move(registered).error();
  if (changed_) changed_(registered->registry_version);
  // A re-registration keeps the original registered_at: read back what is stored.
  auto stored = repository_.find(instance.instance_id);
  if (stored) instance = std::move(stored).value();
  return RegisteredInstance{std::move(instance), registered->created, registered->registry_version};
}

}  // namespace config_service::application
