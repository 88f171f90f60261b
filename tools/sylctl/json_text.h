// The string member `key` of a JSON object, or "" when absent or not a string: how sylctl
// reads the services' log lines and answers, which may lack any field.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace sylctl {

inline std::string json_text(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

}  // namespace sylctl
