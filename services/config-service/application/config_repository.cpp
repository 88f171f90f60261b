#include "application/config_repository.h"

namespace config_service::application {

platform::core::Result<domain::SettingSchema> schema_of(ConfigRepository& repository,
                                                        const std::string& service) {
  auto schema = repository.schema(service);
  if (!schema && schema.error().code() == platform::core::ErrorCode::kNotFound)
    return platform::core::Error::not_found("service " + service + " has no settings schema");
  return schema;
}

}  // namespace config_service::application
