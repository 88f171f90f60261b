#include "api/registry_api.h"

#include <boost/json.hpp>
#include <memory>

#include "api/long_poll.h"
#include "api/registry_json.h"
#include "platform/http/client.h"
#include "platform/http/json_body.h"

namespace config_service::api {
namespace {

using platform::core::Error;
using platform::http::Request;
using platform::http::Responder;
using platform::http::Response;

class Routes {
 public:
  explicit Routes(RegistryHandlers handlers) : handlers_(handlers) {}

  Response register_instance(Request& request) {
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    ParsedRegistration parsed = parse_registration(*body);
    auto errors = std::move(parsed.errors);
    for (auto& error : domain::validate(parsed.registration)) {
      bool known = false;
      for (const auto& seen : errors) known = known || seen.field == error.field;
      if (!known) errors.push_back(std::move(error));
    }
    if (!errors.empty())
      return Response::problem(Error::invalid_fields(std::move(errors)), request);
    auto registered = handlers_.register_instance.handle({std::move(parsed.registration)});
    if (!registered) return Response::problem(registered.error(), request);
    boost::json::object json = to_json(registered->instance);
    json["registry_version"] = registered->registry_version;
    return Response::json(registered->created ? 201 : 200, boost::json::serialize(json));
  }

  Response heartbeat(Request& request) {
    auto renewed = handlers_.heartbeat.handle({std::string(request.path_param("instance_id"))});
    if (!renewed) return Response::problem(renewed.error(), request);
    return Response::json(
        200, boost::json::serialize(boost::json::object{
                 {"instance_id", renewed->instance_id},
                 {"lease_expires_at", platform::core::format_rfc3339(renewed->lease_expires_at)}}));
  }

  Response deregister(Request& request) {
    auto removed = handlers_.deregister.handle({std::string(request.path_param("instance_id"))});
    if (!removed) return Response::problem(removed.error(), request);
    return Response::no_content();
  }

  // A blue-green deploy's split of the service's calls; the service's watchers see it at
  // once with its instances.
  Response put_traffic(Request& request) {
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    ParsedTraffic parsed = parse_traffic(*body);
    if (!parsed.errors.empty())
      return Response::problem(Error::invalid_fields(std::move(parsed.errors)), request);
    const std::string service(request.path_param("name"));
    auto version = handlers_.set_traffic.handle({service, parsed.split});
    if (!version) return Response::problem(version.error(), request);
    boost::json::object json = to_json(parsed.split);
    json["service"] = service;
    json["registry_version"] = *version;
    return Response::json(200, boost::json::serialize(json));
  }

  Response delete_traffic(Request& request) {
    auto version = handlers_.set_traffic.handle({std::string(request.path_param("name")), {}});
    if (!version) return Response::problem(version.error(), request);
    return Response::no_content();
  }

  void list_services(Request& request, Responder respond) {
    auto& handler = handlers_.list_services;
    watch(request, std::move(respond), [&handler] { return handler.handle(); });
  }

  // Prometheus HTTP service discovery: one target group per healthy instance, labelled
  // with what it registered. An instance whose URL has a path prefix is scraped there.
  Response prometheus_targets(Request& request) {
    auto view = handlers_.list_instances.every_service();
    if (!view) return Response::problem(view.error(), request);
    boost::json::array groups;
    for (const auto& instance : view->instances) {
      auto url = platform::http::parse_url(instance.url);
      if (!url) continue;  // validated at registration; never expected
      std::string path = url->target.substr(0, url->target.find('?'));
      while (!path.empty() && path.back() == '/') path.pop_back();
      boost::json::object labels{
          {"__scheme__", url->scheme},   {"__metrics_path__", path + "/metrics"},
          {"service", instance.service}, {"instance_id", instance.instance_id},
          {"version", instance.version}, {"colour", instance.colour}};
      if (!instance.zone.empty()) labels["zone"] = instance.zone;
      groups.push_back(boost::json::object{{"targets", boost::json::array{url->authority()}},
                                           {"labels", std::move(labels)}});
    }
    return Response::json(200, boost::json::serialize(groups))
        .with_header("Cache-Control", "no-store");
  }

  void list_instances(Request& request, Responder respond) {
    application::ListInstancesQuery query{std::string(request.path_param("name")),
                                          request.query_param("all") == "true"};
    auto& handler = handlers_.list_instances;
    watch(request, std::move(respond), [&handler, query] { return handler.handle(query); });
  }

 private:
  // A long poll on the registry's version over the view `read()` gives.
  template <typename Read>
  void watch(Request& request, Responder respond, Read read) {
    answer_long_poll(
        request, std::move(respond), handlers_.watches, kRegistryTopic, std::move(read),
        [](const auto& view) { return view.registry_version; },
        [](const auto& view) { return Response::json(200, boost::json::serialize(to_json(view))); },
        [](const Error& error, const Request& context) {
          return Response::problem(error, context);
        });
  }

  RegistryHandlers handlers_;
};

}  // namespace

void add_registry_routes(platform::http::Router& router, RegistryHandlers handlers,
                         const PlatformToken& token) {
  auto routes = std::make_shared<Routes>(handlers);
  const auto bind = [routes](auto method) {
    return platform::http::member_handler(routes, method);
  };
  router.post("/registry/instances", token.guard(bind(&Routes::register_instance)))
      .put("/registry/instances/{instance_id}/heartbeat", token.guard(bind(&Routes::heartbeat)))
      .del("/registry/instances/{instance_id}", token.guard(bind(&Routes::deregister)))
      .add_async("GET", "/registry/services", bind(&Routes::list_services))
      .add_async("GET", "/registry/services/{name}/instances", bind(&Routes::list_instances))
      .put("/registry/services/{name}/traffic", token.guard(bind(&Routes::put_traffic)))
      .del("/registry/services/{name}/traffic", token.guard(bind(&Routes::delete_traffic)))
      .get("/registry/prometheus-targets", bind(&Routes::prometheus_targets));
}

}  // namespace config_service::api
