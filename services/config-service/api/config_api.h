// The configuration documents' HTTP routes: a thin handler per route over one command
// or query. GET /config/{service} is a long poll (Router::add_async) parked in the
// WatchHub on the service's topic. Writes (schema, document, rollback) need the platform
// token; so do reads whose answer would show a secret setting.
#pragma once

#include "api/platform_token.h"
#include "application/config_diff.h"
#include "application/config_history.h"
#include "application/get_config.h"
#include "application/put_config.h"
#include "application/put_schema.h"
#include "application/rollback_config.h"
#include "application/watch_hub.h"
#include "platform/http/router.h"

namespace config_service::api {

// The WatchHub topic of one service's configuration (one version per service).
std::string config_topic(const std::string& service);

struct ConfigHandlers {
  application::PutSchemaHandler& put_schema;
  application::PutConfigHandler& put_config;
  application::RollbackHandler& rollback;
  application::GetConfigHandler& get_config;
  application::HistoryHandler& history;
  application::DiffHandler& diff;
  application::WatchHub& watches;
};

void add_config_routes(platform::http::Router& router, ConfigHandlers handlers,
                       const PlatformToken& token);

}  // namespace config_service::api
