#include "application/put_config.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<std::int64_t> PutConfigHandler::handle(const PutConfigCommand& command) {
  if (auto errors = domain::validate_names(command.service, command.env); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  auto schema = schema_of(repository_, command.service);
  if (!schema) return std::move(schema).error();
  auto errors = schema->validate(command.service, command.settings);
  if (command.author.empty()) errors.push_back({"author", "is required"});
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  auto version = repository_.append(
      {command.service, command.env, command.author, command.comment, clock_(), command.settings},
      command.if_match.value_or(kAnyVersion));
  if (!version) return version;
  if (changed_) changed_(command.service, *version);
  return version;
}

}  // namespace config_service::application
