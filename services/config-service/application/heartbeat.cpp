#include "application/heartbeat.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

namespace {

Error unknown_instance(const std::string& instance_id) {
  return Error::not_found("instance " + instance_id + " is not registered or its lease lapsed");
}

}  // namespace

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

}  // namespace config_service::application
