// What tests read from a span as a log line carries it (OTLP JSON, see
// platform/tracing/span.h): its attributes and an event's, as key -> value text (integers
// in their decimal form, as OTLP JSON writes them).
//
//   const auto attributes = platform::testing::span_attributes(span.at("attributes"));
//   EXPECT_EQ(attributes.at("http.route"), "/subjects/{id}");
#pragma once

#include <boost/json/fwd.hpp>
#include <map>
#include <string>

namespace platform::testing {

// `attributes`: an OTLP JSON attribute list ([{"key":..,"value":{"stringValue":..}}, ...]).
std::map<std::string, std::string> span_attributes(const boost::json::value& attributes);

}  // namespace platform::testing
