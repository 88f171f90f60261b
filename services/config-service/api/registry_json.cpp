#include "api/registry_json.h"

#include <boost/json.hpp>
#include <set>

namespace config_service::api {
namespace {

using platform::core::FieldError;

void read_string(const boost::json::object& body, const char* field, std::string& out,
                 std::vector<FieldError>& errors) {
  const auto* value = body.if_contains(field);
  if (!value || value->is_null()) return;
  if (!value->is_string()) {
    errors.push_back({field, "must be a string"});
    return;
  }
  out = std::string(value->as_string());
}

}  // namespace

ParsedRegistration parse_registration(const boost::json::object& body) {
  static const std::set<std::string> kFields{"service", "instance_id", "url",      "version",
                                             "colour",  "zone",        "metadata", "ttl_seconds"};
  ParsedRegistration parsed;
  auto& r = parsed.registration;
  auto& errors = parsed.errors;
  for (const auto& [key, value] : body)
    if (!kFields.contains(std::string(key)))
      errors.push_back({std::string(key), "is not a field of a registration"});
  read_string(body, "service", r.service, errors);
  read_string(body, "instance_id", r.instance_id, errors);
  read_string(body, "url", r.url, errors);
  read_string(body, "version", r.version, errors);
  read_string(body, "colour", r.colour, errors);
  read_string(body, "zone", r.zone, errors);
  if (const auto* metadata = body.if_contains("metadata"); metadata && !metadata->is_null()) {
    if (!metadata->is_object()) {
      errors.push_back({"metadata", "must be an object of strings"});
    } else {
      for (const auto& [key, value] : metadata->as_object()) {
        if (value.is_string())
          r.metadata.emplace(std::string(key), std::string(value.as_string()));
        else
          errors.push_back({"metadata." + std::string(key), "must be a string"});
      }
    }
  }
  if (const auto* ttl = body.if_contains("ttl_seconds"); ttl && !ttl->is_null()) {
    if (ttl->is_int64())
      r.ttl_seconds = ttl->as_int64();
    else if (ttl->is_uint64())
      r.ttl_seconds = -1;  // out of range; validate() says so
    else
      errors.push_back({"ttl_seconds", "must be an integer from 1 to 300"});
  }
  return parsed;
}

ParsedTraffic parse_traffic(const boost::json::object& body) {
  ParsedTraffic parsed;
  for (const auto& [key, value] : body)
    if (key != "blue" && key != "green")
      parsed.errors.push_back({std::string(key), "is not a field of a traffic split"});
  for (const auto& [field, out] :
       {std::pair{"blue", &parsed.split.blue}, std::pair{"green", &parsed.split.green}}) {
    const auto* value = body.if_contains(field);
    if (value && value->is_int64())
      *out = value->as_int64();
    else if (value && value->is_uint64() && value->as_uint64() <= 100)
      *out = static_cast<std::int64_t>(value->as_uint64());
    else
      parsed.errors.push_back({field, "must be an integer from 0 to 100"});
  }
  return parsed;
}

boost::json::object to_json(const domain::Instance& instance) {
  boost::json::object metadata;
  for (const auto& [key, value] : instance.metadata) metadata[key] = value;
  return {{"service", instance.service},
          {"instance_id", instance.instance_id},
          {"url", instance.url},
          {"version", instance.version},
          {"colour", instance.colour},
          {"zone", instance.zone},
          {"metadata", std::move(metadata)},
          {"ttl_seconds", instance.ttl_seconds},
          {"registered_at", platform::core::format_rfc3339(instance.registered_at)},
          {"lease_expires_at", platform::core::format_rfc3339(instance.lease_expires_at)}};
}

boost::json::object to_json(const domain::TrafficSplit& split) {
  return {{"blue", split.blue}, {"green", split.green}};
}

boost::json::object to_json(const application::ServicesView& view) {
  boost::json::array services;
  for (const auto& service : view.services)
    services.push_back(
        boost::json::object{{"name", service.name}, {"instances", service.healthy_instances}});
  return {{"registry_version", view.registry_version}, {"services", std::move(services)}};
}

boost::json::object to_json(const application::InstancesView& view) {
  boost::json::array instances;
  for (const auto& instance : view.instances) instances.push_back(to_json(instance));
  boost::json::object json{{"service", view.service},
                           {"registry_version", view.registry_version},
                           {"instances", std::move(instances)}};
  if (view.traffic) json["traffic"] = to_json(*view.traffic);
  return json;
}

}  // namespace config_service::api
