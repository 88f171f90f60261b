// JSON for the registry: reading a registration, writing instances and views.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "application/list_instances.h"
#include "application/list_services.h"

namespace config_service::api {

struct ParsedRegistration {
  domain::Registration registration;
  std::vector<platform::core::FieldError> errors;  // wrong JSON types, unknown fields
};

ParsedRegistration parse_registration(const boost::json::object& body);

struct ParsedTraffic {
  domain::TrafficSplit split;
  std::vector<platform::core::FieldError> errors;  // missing or non-integer fields, unknown ones
};

// {"blue": 90, "green": 10}: both integers, nothing else.
ParsedTraffic parse_traffic(const boost::json::object& body);

boost::json::object to_json(const domain::Instance& instance);
boost::json::object to_json(const application::ServicesView& view);
boost::json::object to_json(const application::InstancesView& view);
boost::json::object to_json(const domain::TrafficSplit& split);

}  // namespace config_service::api
