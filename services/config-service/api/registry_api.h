// The registry's HTTP routes: a thin handler per route over one command or query.
// The two list routes are long polls (Router::add_async) parked in the WatchHub. Writes
// (register, heartbeat, deregister, traffic splits) need the platform token; reads are open
// (Prometheus discovers its targets there).
#pragma once

#include "api/platform_token.h"
#include "application/deregister.h"
#include "application/heartbeat.h"
#include "application/list_instances.h"
#include "application/list_services.h"
#include "application/register_instance.h"
#include "application/set_traffic.h"
#include "application/watch_hub.h"
#include "platform/http/router.h"

namespace config_service::api {

// The WatchHub topic of the registry (one version for the whole registry).
inline constexpr const char* kRegistryTopic = "registry";

struct RegistryHandlers {
  application::RegisterInstanceHandler& register_instance;
  application::HeartbeatHandler& heartbeat;
  application::DeregisterHandler& deregister;
  application::ListServicesHandler& list_services;
  application::ListInstancesHandler& list_instances;
  application::SetTrafficHandler& set_traffic;
  application::WatchHub& watches;
};

void add_registry_routes(platform::http::Router& router, RegistryHandlers handlers,
                         const PlatformToken& token);

}  // namespace config_service::api
