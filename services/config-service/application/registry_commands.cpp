#include "application/registry_commands.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

namespace {

Error unknown_instance(const std::string& instance_id) {
  return Error::not_found("instance " + instance_id + " is not registered or its lease lapsed");
}

}  // namespace

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

HeartbeatHandler::HeartbeatHandler(RegistryRepository& repository, Clock clock)
    : repository_(repository), clock_(std::move(clock)) {}

Result<domain::Instance> HeartbeatHandler::handle(const HeartbeatCommand& command) {
  auto current = repository_.find(command.instance_id);
  if (!current) {
    if (current.error().code() == ErrorCode::kNotFound)
      return unknown_instance(command.instance_id);
    return std::move(current).error();
  }
  const auto now = clock_();
  if (domain::is_lapsed(*current, now)) return unknown_instance(command.instance_id);
  domain::Instance renewed = domain::renew(*current, now);
  // Conditional on the lease read: a concurrent heartbeat, re-registration or sweep wins;
  // for the rare concurrent heartbeat the lease is renewed anyway, so answer its state.
  auto stored =
      repository_.renew(command.instance_id, current->lease_expires_at, renewed.lease_expires_at);
  if (!stored) {
    if (stored.error().code() != ErrorCode::kNotFound) return std::move(stored).error();
    auto again = repository_.find(command.instance_id);
    if (!again || domain::is_lapsed(*again, now)) return unknown_instance(command.instance_id);
    return std::move(again).value();
  }
  return renewed;
}

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

ExpireLeasesHandler::ExpireLeasesHandler(RegistryRepository& repository, Clock clock,
                                         RegistryChanged changed)
    : repository_(repository), clock_(std::move(clock)), changed_(std::move(changed)) {}

Result<Expired> ExpireLeasesHandler::handle() {
  auto expired = repository_.expire(clock_());
  if (expired && expired->removed > 0 && changed_) changed_(expired->registry_version);
  return expired;
}

}  // namespace config_service::application
