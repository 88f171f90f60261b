// For contract tests only: the routes through which Pact's verifier sets a provider up
// (POST /_test/provider-states: {"state", "params", "action"}) and asks for the messages
// it publishes (POST /_test/messages: {"description", "providerStates"}). They exist
// only when the setting test.provider_states is true (SYL_TEST_PROVIDER_STATES), which a
// production deployment never sets; the service then says so in its log.
//
//   platform::service::ContractTestRoutes routes;
//   routes.states["a subject exists"] = [&](std::string_view params) { ... };
//   routes.messages["a subject.created.v1 event"] = [&] { return event_json; };
//   platform::service::add_contract_test_routes(router, startup, std::move(routes));
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "platform/core/result.h"
#include "platform/http/router.h"

namespace platform::service {

struct Startup;

struct ContractTestRoutes {
  // A provider state's setup, given its parameters as a JSON object's text.
  std::map<std::string, std::function<core::Result<void>(std::string_view params)>> states;
  // A message the service publishes, as its real code makes it (JSON text).
  std::map<std::string, std::function<core::Result<std::string>()>> messages;
};

// Adds the routes when test.provider_states is true (and logs a warning); nothing otherwise.
void add_contract_test_routes(http::Router& router, const Startup& startup,
                              ContractTestRoutes routes);

}  // namespace platform::service
