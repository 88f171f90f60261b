// openapi.json documents exactly the routes the service serves, and its $refs resolve.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/config_api.h"
#include "api/openapi.h"
#include "api/registry_api.h"
#include "application/fake_config_repository.h"
#include "application/fake_registry_repository.h"
#include "platform/core/strings.h"
#include "platform/http/health.h"

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
  api::add_registry_routes(
      router, {register_instance, heartbeat, deregister, list_services, list_instances, watches});
  api::add_config_routes(router,
                         {put_schema, put_config, rollback, get_config, history, diff, watches});
  api::add_openapi_route(router);
  platform::http::Health health;
  platform::metrics::Registry registry;
  platform::http::mount_operational_routes(router, health, registry);

  const auto document = boost::json::parse(api::openapi_document()).as_object();
  EXPECT_TRUE(document.at("openapi").as_string().starts_with("3."));
  const auto& paths = document.at("paths").as_object();
  std::size_t documented = 0;
  for (const auto& [path, item] : paths)
    for (const auto& [method, operation] : item.as_object())
      if (method != "parameters") ++documented;
  for (const auto& route : router.routes()) {
    const auto* item = paths.if_contains(route.pattern);
    ASSERT_NE(item, nullptr) << route.pattern << " is not documented";
    EXPECT_TRUE(item->as_object().contains(platform::core::ascii_lower(route.method)))
        << route.method << " " << route.pattern << " is not documented";
  }
  EXPECT_EQ(documented, router.routes().size()) << "a documented operation is not served";
  const std::string& text = api::openapi_document();
  boost::json::value root = document;
  for (std::size_t at = text.find("\"$ref\": \"#/"); at != std::string::npos;
       at = text.find("\"$ref\": \"#/", at + 1)) {
    const auto start = at + 11;
    const std::string pointer = text.substr(start, text.find('"', start) - start);
    boost::system::error_code error;
    EXPECT_NE(root.find_pointer("/" + pointer, error), nullptr) << pointer;
  }
}

}  // namespace
}  // namespace config_service::application
