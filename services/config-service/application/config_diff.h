// DiffQuery and its handler: the keys whose values differ between two versions of one
// (service, env) document.
#pragma once

#include "application/config_repository.h"

namespace config_service::application {

struct DiffQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
  std::int64_t from = 0;
  std::int64_t to = 0;
  Reader reader;
};

class DiffHandler {
 public:
  explicit DiffHandler(ConfigRepository& repository) : repository_(repository) {}
  // kNotFound when either version is not one of (service, env); kUnauthenticated when a
  // changed setting is a secret and the reader holds no platform token.
  platform::core::Result<std::vector<domain::SettingChange>> handle(const DiffQuery& query);

 private:
  ConfigRepository& repository_;
};

}  // namespace config_service::application
