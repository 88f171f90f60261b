#include "platform/service/provider_states.h"

#include <boost/json.hpp>
#include <memory>

#include "platform/service/startup.h"

namespace platform::service {

void add_contract_test_routes(http::Router& router, const Startup& startup,
                              ContractTestRoutes routes) {
  if (!startup.config.get_bool("test.provider_states")) return;
  startup.logger->warn(
      "contract test routes are on (SYL_TEST_PROVIDER_STATES=true): anyone can change this "
      "service's data through /_test/; never in production");
  auto shared = std::make_shared<ContractTestRoutes>(std::move(routes));

  router.add("POST", "/_test/provider-states", [shared](http::Request& request) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(request.body, ec);
    if (ec || !body.is_object()) {
      return http::Response::problem(
          core::Error::malformed("a provider state is {\"state\": text, \"params\": {...}}"),
          request);
    }
    const auto& object = body.as_object();
    // An interaction without a state (Pact's verifier asks anyway): nothing to set up.
    const auto* state_field = object.if_contains("state");
    if (state_field == nullptr || state_field->is_null() ||
        (state_field->is_string() && state_field->as_string().empty()))
      return http::Response::json(200, "{}");
    if (!state_field->is_string()) {
      return http::Response::problem(core::Error::invalid_argument("state", "must be text"),
                                     request);
    }
    // Teardown: every state is set up from scratch, nothing to undo.
    if (const auto* action = object.if_contains("action");
        action != nullptr && action->is_string() && action->as_string() == "teardown") {
      return http::Response::json(200, "{}");
    }
    const std::string state(state_field->as_string());
    const auto found = shared->states.find(state);
    if (found == shared->states.end()) {
      return http::Response::problem(
          core::Error::invalid_argument("state", "no such provider state: " + state), request);
    }
    const auto* params = object.if_contains("params");
    const std::string params_text =
        params != nullptr && params->is_object() ? boost::json::serialize(*params) : "{}";
    if (auto done = found->second(params_text); !done)
      return http::Response::problem(done.error(), request);
    return http::Response::json(200, "{}");
  });

  router.add("POST", "/_test/messages", [shared](http::Request& request) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(request.body, ec);
    const auto* description =
        !ec && body.is_object() ? body.as_object().if_contains("description") : nullptr;
    if (description == nullptr || !description->is_string()) {
      return http::Response::problem(
          core::Error::malformed("a message request is {\"description\": text}"), request);
    }
    const auto found = shared->messages.find(std::string(description->as_string()));
    if (found == shared->messages.end()) {
      return http::Response::problem(
          core::Error::invalid_argument("description", "this service publishes no such message: " +
                                                           std::string(description->as_string())),
          request);
    }
    auto message = found->second();
    if (!message) return http::Response::problem(message.error(), request);
    return http::Response::json(200, std::move(*message));
  });
}

}  // namespace platform::service
