// openapi.json documents exactly the routes the service serves (as main.cpp mounts them),
// and its $refs resolve.
#include <gtest/gtest.h>

#include "api/config_api.h"
#include "api/openapi.h"
#include "api/registry_api.h"
#include "application/fake_config_repository.h"
#include "application/fake_registry_repository.h"
#include "platform/http/health.h"
#include "platform/service/openapi.h"
#include "platform/testing/openapi_coverage.h"

namespace config_service::application {
namespace {

TEST(ConfigServiceOpenApi, DocumentsEveryRouteTheServiceServesAndNoOther) {
  FakeRegistryRepository registry_repository;
  FakeConfigRepository config_repository;
  const Clock clock = [] { return platform::core::now_utc(); };
  WatchHub watches;
  RegisterInstanceHandler register_instance(registry_repository, clock, [](std::int64_t) {});
  HeartbeatHandler heartbeat(registry_repository, clock);
  DeregisterHandler deregister(registry_repository, [](std::int64_t) {});
  SetTrafficHandler set_traffic(registry_repository, [](std::int64_t) {});
  ListServicesHandler list_services(registry_repository, clock);
  ListInstancesHandler list_instances(registry_repository, clock);
  PutSchemaHandler put_schema(config_repository, clock);
  const ConfigChanged config_changed = [](const std::string&, std::int64_t) {};
  PutConfigHandler put_config(config_repository, clock, config_changed);
  RollbackHandler rollback(config_repository, clock, config_changed);
  GetConfigHandler get_config(config_repository);
  HistoryHandler history(config_repository);
  DiffHandler diff(config_repository);

  platform::http::Router router;
  const api::PlatformToken token("a-platform-token-of-32-characters!");
  api::add_registry_routes(router,
                           {register_instance, heartbeat, deregister, list_services, list_instances,
                            set_traffic, watches},
                           token);
  api::add_config_routes(
      router, {put_schema, put_config, rollback, get_config, history, diff, watches}, token);
  platform::service::add_openapi_route(router, api::openapi_document());
  platform::http::Health health;
  platform::metrics::Registry registry;
  platform::http::mount_operational_routes(router, health, registry);

  platform::testing::expect_documents_every_route(router, api::openapi_document());
}

}  // namespace
}  // namespace config_service::application
