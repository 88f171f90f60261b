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

boost::json::object to_json(const domain::Instance& instance);
boost::json::object to_json(const application::ServicesView& view);
boost::json::object to_json(const application::InstancesView& view);

}  // namespace config_service::api
