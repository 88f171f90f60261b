// The configuration queries (reads), one handler each.
#pragma once

#include "application/config_repository.h"

namespace config_service::application {

struct GetConfigQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
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
  // kNotFound when the service has no schema.
  platform::core::Result<ConfigView> handle(const GetConfigQuery& query);

 private:
  ConfigRepository& repository_;
};

inline constexpr std::size_t kDefaultHistoryLimit = 20;
inline constexpr std::size_t kMaxHistoryLimit = 100;

struct HistoryQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
  std::size_t limit = kDefaultHistoryLimit;
};

class HistoryHandler {
 public:
  explicit HistoryHandler(ConfigRepository& repository) : repository_(repository) {}
  // Newest first; an env without changes is an empty list.
  platform::core::Result<std::vector<domain::ConfigVersion>> handle(const HistoryQuery& query);

 private:
  ConfigRepository& repository_;
};

struct DiffQuery {
  std::string service;
  std::string env = domain::kDefaultEnv;
  std::int64_t from = 0;
  std::int64_t to = 0;
};

class DiffHandler {
 public:
  explicit DiffHandler(ConfigRepository& repository) : repository_(repository) {}
  // kNotFound when either version is not one of (service, env).
  platform::core::Result<std::vector<domain::SettingChange>> handle(const DiffQuery& query);

 private:
  ConfigRepository& repository_;
};

}  // namespace config_service::application
