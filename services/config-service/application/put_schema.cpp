#include "application/put_schema.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<void> PutSchemaHandler::handle(const PutSchemaCommand& command) {
  if (auto errors = domain::validate_names(command.service, domain::kDefaultEnv); !errors.empty())
    return Error::invalid_fields(std::move(errors));
  return repository_.put_schema(command.service, command.schema, clock_());
}

}  // namespace config_service::application
