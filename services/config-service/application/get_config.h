// GetConfigQuery and its handler: the effective settings of one (service, env), the
// default document overlaid by the env's.
#pragma once

#include "application/config_repository.h"

namespace config_service::application {

struct GetConfigQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
  Reader reader;
};

struct ConfigView {
  std::string service;
  std::string env;
  std::int64_t version = 0;
  domain::Settings settings;  // default overlaid by env
};

class GetConfigHandler {
 public:
  explicit GetConfigHandler(ConfigRepository& repository) : repository_(repository) {}
  // kNotFound when the service has no schema; kUnauthenticated when the settings hold a
  // secret and the reader no platform token.
  platform::core::Result<ConfigView> handle(const GetConfigQuery& query);

 private:
  ConfigRepository& repository_;
};

}  // namespace config_service::application
