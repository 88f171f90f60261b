// HistoryQuery and its handler: the changes of one (service, env) document, newest first.
#pragma once

#include "application/config_repository.h"

namespace config_service::application {

inline constexpr std::size_t kDefaultHistoryLimit = 20;
inline constexpr std::size_t kMaxHistoryLimit = 100;

struct HistoryQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
  std::size_t limit = kDefaultHistoryLimit;
  Reader reader;
};

class HistoryHandler {
 public:
  explicit HistoryHandler(ConfigRepository& repository) : repository_(repository) {}
  // Newest first; an env without changes is an empty list. kUnauthenticated when a
  // version holds a secret setting and the reader no platform token.
  platform::core::Result<std::vector<domain::ConfigVersion>> handle(const HistoryQuery& query);

 private:
  ConfigRepository& repository_;
};

}  // namespace config_service::application
