#include "application/config_repository.h"

namespace config_service::application {

platform::core::Result<domain::SettingSchema> schema_of(ConfigRepository& repository,
                                                        const std::string& service) {
  auto schema = repository.schema(service);
  if (!schema && schema.error().code() == platform::core::ErrorCode::kNotFound)
    return platform::core::Error::not_found("service " + service + " has no settings schema");
  return schema;
}

platform::core::Result<void> check_reader(const Reader& reader, const std::string& service,
                                          bool holds_secret) {
  if (!holds_secret || reader.holds_platform_token) return platform::core::ok();
  return platform::core::Error(
      platform::core::ErrorCode::kUnauthenticated,
      "the configuration of " + service +
          " holds secret settings: send the platform token (Authorization: Bearer)");
}

}  // namespace config_service::application
