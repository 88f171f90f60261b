#include "application/rollback_config.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<std::int64_t> RollbackHandler::handle(const RollbackCommand& command) {
  if (auto errors = domain::validate_names(command.service, command.env); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  if (command.author.empty()) return Error::invalid_argument("author", "is required");
  auto target = repository_.find_version(command.service, command.env, command.to_version);
  if (!target) {
    if (target.error().code() == ErrorCode::kNotFound)
      return Error::not_found(command.service + " (" + command.env + ") has no version " +
                              std::to_string(command.to_version));
    return std::move(target).error();
  }
  auto schema = schema_of(repository_, command.service);
  if (!schema) return std::move(schema).error();
  if (auto errors = schema->validate(command.service, target->settings); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  auto version = repository_.append(
      {command.service, command.env, command.author,
       "rollback to version " + std::to_string(command.to_version), clock_(), target->settings},
      kAnyVersion);
  if (!version) return version;
  if (changed_) changed_(command.service, *version);
  return version;
}

}  // namespace config_service::application
