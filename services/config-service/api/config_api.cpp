#include "api/config_api.h"

#include <boost/json.hpp>
#include <memory>
#include <set>

#include "api/long_poll.h"
#include "platform/core/strings.h"
#include "platform/http/json_body.h"

namespace config_service::api {
namespace {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::Result;
using platform::http::Request;
using platform::http::Responder;
using platform::http::Response;

std::string env_of(const Request& request) {
  return request.query_param("env").value_or(domain::kDefaultEnv);
}

boost::json::object to_json(const domain::Settings& settings) {
  boost::json::object object;
  for (const auto& [key, value] : settings) object[key] = value;
  return object;
}

boost::json::object to_json(const application::ConfigView& view) {
  return {{"service", view.service},
          {"env", view.env},
          {"version", view.version},
          {"settings", to_json(view.settings)}};
}

boost::json::object to_json(const domain::ConfigVersion& version) {
  return {{"version", version.version},
          {"author", version.author},
          {"comment", version.comment},
          {"created_at", platform::core::format_rfc3339(version.created_at)},
          {"settings", to_json(version.settings)}};
}

boost::json::value or_null(const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return boost::json::value(*value);
}

void read_string(const boost::json::object& body, const char* field, std::string& out,
                 std::vector<FieldError>& errors) {
  const auto* value = body.if_contains(field);
  if (!value || value->is_null()) return;
  if (value->is_string())
    out = std::string(value->as_string());
  else
    errors.push_back({field, "must be a string"});
}

void reject_unknown(const boost::json::object& body, const std::set<std::string>& fields,
                    std::vector<FieldError>& errors) {
  for (const auto& [key, value] : body)
    if (!fields.contains(std::string(key)))
      errors.push_back({std::string(key), "is not a field of this request"});
}

// A setting's value is a string; numbers and booleans are taken as their JSON text.
void read_settings(const boost::json::object& body, domain::Settings& settings,
                   std::vector<FieldError>& errors) {
  const auto* value = body.if_contains("settings");
  if (!value || !value->is_object()) {
    errors.push_back({"settings", "must be an object of key: value"});
    return;
  }
  for (const auto& [key, item] : value->as_object()) {
    if (item.is_string())
      settings.emplace(std::string(key), std::string(item.as_string()));
    else if (item.is_number() || item.is_bool())
      settings.emplace(std::string(key), boost::json::serialize(item));
    else
      errors.push_back({"settings." + std::string(key), "must be a string"});
  }
}

// `If-Match: "7"` (or 7); nullopt for none or `*`; -2 for anything unreadable, which
// matches no version.
std::optional<std::int64_t> if_match(const Request& request) {
  auto header = request.headers.find("If-Match");
  if (!header) return std::nullopt;
  std::string_view text = *header;
  if (text == "*") return std::nullopt;
  if (text.starts_with("W/")) text.remove_prefix(2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  return platform::core::parse_integer<std::int64_t>(text).value_or(-2);
}

Response version_response(const std::string& service, const std::string& env,
                          std::int64_t version) {
  return Response::json(200, boost::json::serialize(boost::json::object{
                                 {"service", service}, {"env", env}, {"version", version}}))
      .with_header("ETag", "\"" + std::to_string(version) + "\"");
}

class Routes {
 public:
  Routes(ConfigHandlers handlers, PlatformToken token)
      : handlers_(handlers), token_(std::move(token)) {}

  Response put_schema(Request& request) {
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    auto schema = domain::SettingSchema::parse(request.body);
    if (!schema) return Response::problem(schema.error(), request);
    const std::string service(request.path_param("service"));
    auto stored = handlers_.put_schema.handle({service, *schema});
    if (!stored) return Response::problem(stored.error(), request);
    auto json = boost::json::parse(schema->to_json()).as_object();
    json["service"] = service;
    return Response::json(200, boost::json::serialize(json));
  }

  Response put_config(Request& request) {
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    application::PutConfigCommand command;
    command.service = std::string(request.path_param("service"));
    command.env = env_of(request);
    command.if_match = if_match(request);
    std::vector<FieldError> errors;
    reject_unknown(*body, {"settings", "author", "comment"}, errors);
    read_settings(*body, command.settings, errors);
    read_string(*body, "author", command.author, errors);
    read_string(*body, "comment", command.comment, errors);
    if (!errors.empty())
      return Response::problem(Error::invalid_fields(std::move(errors)), request);
    auto version = handlers_.put_config.handle(command);
    if (!version) return Response::problem(version.error(), request);
    return version_response(command.service, command.env, *version);
  }

  Response rollback(Request& request) {
    auto body = platform::http::parse_json_object(request);
    if (!body) return Response::problem(body.error(), request);
    application::RollbackCommand command;
    command.service = std::string(request.path_param("service"));
    command.env = env_of(request);
    std::vector<FieldError> errors;
    reject_unknown(*body, {"to_version", "author"}, errors);
    read_string(*body, "author", command.author, errors);
    if (const auto* to = body->if_contains("to_version");
        to && to->is_int64() && to->as_int64() > 0)
      command.to_version = to->as_int64();
    else
      errors.push_back({"to_version", "must be a version: an integer from 1"});
    if (!errors.empty())
      return Response::problem(Error::invalid_fields(std::move(errors)), request);
    auto version = handlers_.rollback.handle(command);
    if (!version) return Response::problem(version.error(), request);
    return version_response(command.service, command.env, *version);
  }

  void get_config(Request& request, Responder respond) {
    application::GetConfigQuery query{std::string(request.path_param("service")), env_of(request),
                                      reader(request)};
    auto& handler = handlers_.get_config;
    answer_long_poll(
        request, std::move(respond), handlers_.watches, config_topic(query.service),
        [&handler, query] { return handler.handle(query); },
        [](const application::ConfigView& view) { return view.version; },
        [](const application::ConfigView& view) {
          return Response::json(200, boost::json::serialize(to_json(view)))
              .with_header("ETag", "\"" + std::to_string(view.version) + "\"");
        },
        [token = token_](const Error& error, const Request& context) {
          return token.problem(error, context);
        });
  }

  Response history(Request& request) {
    application::HistoryQuery query{std::string(request.path_param("service")), env_of(request)};
    query.reader = reader(request);
    if (auto limit = request.query_param("limit")) {
      const auto parsed = platform::core::parse_integer<std::int64_t>(*limit);
      if (!parsed || *parsed < 1 ||
          *parsed > static_cast<std::int64_t>(application::kMaxHistoryLimit))
        return Response::problem(Error::malformed("limit must be an integer from 1 to 100"),
                                 request);
      query.limit = static_cast<std::size_t>(*parsed);
    }
    auto versions = handlers_.history.handle(query);
    if (!versions) return token_.problem(versions.error(), request);
    boost::json::array list;
    for (const auto& version : *versions) list.push_back(to_json(version));
    return Response::json(
        200, boost::json::serialize(boost::json::object{
                 {"service", query.service}, {"env", query.env}, {"versions", std::move(list)}}));
  }

  Response diff(Request& request) {
    application::DiffQuery query{std::string(request.path_param("service")), env_of(request)};
    query.reader = reader(request);
    const auto from =
        platform::core::parse_integer<std::int64_t>(request.query_param("from").value_or(""));
    const auto to =
        platform::core::parse_integer<std::int64_t>(request.query_param("to").value_or(""));
    if (!from || !to)
      return Response::problem(Error::malformed("from and to must be versions (integers)"),
                               request);
    query.from = *from;
    query.to = *to;
    auto changes = handlers_.diff.handle(query);
    if (!changes) return token_.problem(changes.error(), request);
    boost::json::array list;
    for (const auto& change : *changes)
      list.push_back(boost::json::object{
          {"key", change.key}, {"from", or_null(change.from)}, {"to", or_null(change.to)}});
    return Response::json(
        200, boost::json::serialize(boost::json::object{{"service", query.service},
                                                        {"env", query.env},
                                                        {"from", query.from},
                                                        {"to", query.to},
                                                        {"changes", std::move(list)}}));
  }

 private:
  application::Reader reader(const Request& request) const {
    return {.holds_platform_token = token_.admits(request)};
  }

  ConfigHandlers handlers_;
  PlatformToken token_;
};

}  // namespace

std::string config_topic(const std::string& service) {
  return "config:" + service;
}

void add_config_routes(platform::http::Router& router, ConfigHandlers handlers,
                       const PlatformToken& token) {
  auto routes = std::make_shared<Routes>(handlers, token);
  const auto bind = [routes](auto method) {
    return platform::http::member_handler(routes, method);
  };
  router.put("/config/{service}/schema", token.guard(bind(&Routes::put_schema)))
      .add_async("GET", "/config/{service}", bind(&Routes::get_config))
      .put("/config/{service}", token.guard(bind(&Routes::put_config)))
      .get("/config/{service}/history", bind(&Routes::history))
      .get("/config/{service}/diff", bind(&Routes::diff))
      .post("/config/{service}/rollback", token.guard(bind(&Routes::rollback)));
}

}  // namespace config_service::api
