#include "application/config_commands.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::FieldError;
using platform::core::Result;

namespace {

constexpr std::size_t kMaxName = 100;

Error no_schema(const std::string& service) {
  return Error::not_found("service " + service + " has no settings schema");
}

// The schema, or kNotFound in words the client understands.
Result<domain::SettingSchema> schema_of(ConfigRepository& repository, const std::string& service) {
  auto schema = repository.schema(service);
  if (!schema && schema.error().code() == ErrorCode::kNotFound) return no_schema(service);
  return schema;
}

}  // namespace

std::vector<FieldError> validate_names(const std::string& service, const std::string& env) {
  std::vector<FieldError> errors;
  if (service.empty() || service.size() > kMaxName)
    errors.push_back({"service", "must be 1 to 100 characters"});
  if (env.empty() || env.size() > kMaxName)
    errors.push_back({"env", "must be 1 to 100 characters"});
  return errors;
}

Result<void> PutSchemaHandler::handle(const PutSchemaCommand& command) {
  if (auto errors = validate_names(command.service, domain::kDefaultEnv); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  return repository_.put_schema(command.service, command.schema, clock_());
}

Result<std::int64_t> PutConfigHandler::handle(const PutConfigCommand& command) {
  if (auto errors = validate_names(command.service, command.env); !errors.empty())
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

Result<std::int64_t> RollbackHandler::handle(const RollbackCommand& command) {
  if (auto errors = validate_names(command.service, command.env); !errors.empty())
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
