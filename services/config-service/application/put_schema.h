// PutSchemaCommand and its handler: a service describes its settings (done by
// libs/discovery at start-up); documents are then validated against the schema.
//
//   PutSchemaHandler put_schema(repository, clock);
//   Result<void> stored = put_schema.handle({.service = "subject-service", .schema = schema});
#pragma once

#include "application/clock.h"
#include "application/config_repository.h"

namespace config_service::application {

struct PutSchemaCommand {
  std::string service;
  domain::SettingSchema schema;
};

class PutSchemaHandler {
 public:
  PutSchemaHandler(ConfigRepository& repository, Clock clock)
      : repository_(repository), clock_(std::move(clock)) {}
  // kInvalidArgument for an empty or over-long service name.
  platform::core::Result<void> handle(const PutSchemaCommand& command);

 private:
  ConfigRepository& repository_;
  Clock clock_;
};

}  // namespace config_service::application
