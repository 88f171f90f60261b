#include "platform/events/event.h"

#include <boost/json.hpp>
#include <charconv>
#include <stdexcept>
#include <vector>

#include "platform/core/uuid.h"

namespace platform::events {
namespace {

namespace json = boost::json;

constexpr std::string_view kSpecVersion = "1.0";

// Reads a required, non-empty string attribute; records a field error otherwise.
std::string required_string(const json::object& object, std::string_view name,
                            std::vector<core::FieldError>& errors) {
  const json::value* value = object.if_contains(name);
  if (!value) {
    errors.push_back({std::string(name), "is required"});
    return {};
  }
  if (!value->is_string()) {
    errors.push_back({std::string(name), "must be a string"});
    return {};
  }
  const json::string& text = value->get_string();
  if (text.empty()) {
    errors.push_back({std::string(name), "must not be empty"});
    return {};
  }
  return std::string(text);
}

// Reads an optional string attribute (an extension); absent means empty.
std::string optional_string(const json::object& object, std::string_view name,
                            std::vector<core::FieldError>& errors) {
  const json::value* value = object.if_contains(name);
  if (!value || value->is_null()) return {};
  if (!value->is_string()) {
    errors.push_back({std::string(name), "must be a string"});
    return {};
  }
  return std::string(value->get_string());
}

}  // namespace

Event make_event(std::string source, std::string type, std::string subject, std::string data,
                 const EventContext& context) {
  Event event;
  event.id = core::Uuid::v7().to_string();
  event.source = std::move(source);
  event.type = std::move(type);
  event.time = core::now_utc();
  event.subject = std::move(subject);
  event.data = std::move(data);
  event.traceparent = context.traceparent;
  event.correlation_id = context.correlation_id;
  return event;
}

std::string to_json(const Event& event) {
  boost::system::error_code ec;
  json::value data = json::parse(event.data, ec);
  // Producers build `data` with a JSON serializer; text that is not an object here is a
  // bug in the producer, not bad input, and must not reach the outbox.
  if (ec || !data.is_object()) {
    throw std::logic_error("event " + event.id + " (" + event.type +
                           "): data is not a JSON object");
  }
  json::object object;
  object["specversion"] = kSpecVersion;
  object["id"] = event.id;
  object["source"] = event.source;
  object["type"] = event.type;
  object["time"] = core::format_rfc3339(event.time);
  object["subject"] = event.subject;
  object["datacontenttype"] = event.datacontenttype;
  object["data"] = std::move(data);
  if (!event.traceparent.empty()) object["traceparent"] = event.traceparent;
  if (!event.correlation_id.empty()) object["correlationid"] = event.correlation_id;
  return json::serialize(object);
}

core::Result<Event> parse_event(std::string_view text) {
  boost::system::error_code ec;
  json::value document = json::parse(text, ec);
  if (ec) return core::Error::malformed("event is not valid JSON: " + ec.message());
  if (!document.is_object()) return core::Error::malformed("event is not a JSON object");
  const json::object& object = document.get_object();

  std::vector<core::FieldError> errors;
  Event event;
  const std::string spec_version = required_string(object, "specversion", errors);
  if (!spec_version.empty() && spec_version != kSpecVersion)
    errors.push_back({"specversion", "must be \"1.0\""});
  event.id = required_string(object, "id", errors);
  event.source = required_string(object, "source", errors);
  event.type = required_string(object, "type", errors);
  event.subject = required_string(object, "subject", errors);
  const std::string time = required_string(object, "time", errors);
  if (!time.empty()) {
    if (auto parsed = core::parse_rfc3339(time)) {
      event.time = *parsed;
    } else {
      errors.push_back({"time", "must be an RFC 3339 timestamp"});
    }
  }
  // CloudEvents makes datacontenttype optional; our events always carry JSON.
  if (const json::value* type = object.if_contains("datacontenttype"); type && !type->is_null()) {
    if (!type->is_string()) {
      errors.push_back({"datacontenttype", "must be a string"});
    } else if (type->get_string() != "application/json") {
      errors.push_back({"datacontenttype", "must be \"application/json\""});
    } else {
      event.datacontenttype = std::string(type->get_string());
    }
  }
  const json::value* data = object.if_contains("data");
  if (!data) {
    errors.push_back({"data", "is required"});
  } else if (!data->is_object()) {
    errors.push_back({"data", "must be a JSON object"});
  } else {
    event.data = json::serialize(*data);
  }
  event.traceparent = optional_string(object, "traceparent", errors);
  event.correlation_id = optional_string(object, "correlationid", errors);

  if (!errors.empty()) {
    return core::Error::malformed("event is not a valid CloudEvents 1.0 document")
        .with_field_errors(std::move(errors));
  }
  return event;
}

std::optional<TypeName> parse_type(std::string_view type) {
  const std::size_t dot = type.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view suffix = type.substr(dot + 1);
  if (suffix.size() < 2 || suffix[0] != 'v') return std::nullopt;
  const std::string_view digits = suffix.substr(1);
  // from_chars alone would accept "v1x" up to the 'x' and "v01": neither is a version.
  if (digits[0] == '0') return std::nullopt;
  int version = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size() || version < 1) return std::nullopt;
  return TypeName{std::string(type.substr(0, dot)), version};
}

}  // namespace platform::events
