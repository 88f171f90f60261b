#include "platform/testing/spans.h"

#include <boost/json.hpp>

namespace platform::testing {

std::map<std::string, std::string> span_attributes(const boost::json::value& attributes) {
  std::map<std::string, std::string> out;
  for (const auto& attribute : attributes.as_array()) {
    const auto& value = attribute.at("value").as_object();
    std::string text;
    if (const auto* string = value.if_contains("stringValue")) {
      text = std::string(string->as_string());
    } else if (const auto* integer = value.if_contains("intValue")) {
      text = std::string(integer->as_string());
    } else {
      text = boost::json::serialize(value);  // a double or a bool: as written
    }
    out[std::string(attribute.at("key").as_string())] = std::move(text);
  }
  return out;
}

}  // namespace platform::testing
