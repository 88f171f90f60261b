// Events as CloudEvents 1.0 (structured JSON), the one envelope every service writes
// and reads. Type names carry their version: "subject.updated.v1".
//
//   Event event = make_event("/subject-service", "subject.created.v1", subject_id,
//                            R"({"id":"...","code":"CS-101"})", {traceparent, request_id});
//   std::string json = to_json(event);
//   Result<Event> back = parse_event(json);
//   auto type = parse_type(event.type);   // {"subject.created", 1}
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/core/result.h"
#include "platform/core/time.h"

namespace platform::events {

// Where an event came from: carried from the request that caused it.
struct EventContext {
  std::string traceparent;     // W3C traceparent of the causing request, or empty
  std::string correlation_id;  // the causing request's X-Request-ID, or empty
};

struct Event {
  std::string id;      // UUIDv7 text: unique, and sorts in creation order
  std::string source;  // URI-reference of the producer: "/subject-service"
  std::string type;    // "subject.created.v1"
  core::Timestamp time;
  std::string subject;  // the aggregate's id
  std::string datacontenttype = "application/json";
  std::string data;  // the payload: a JSON object, as text
  std::string traceparent;
  std::string correlation_id;

  friend bool operator==(const Event&, const Event&) = default;
};

// A new event with a fresh UUIDv7 id and the current time.
Event make_event(std::string source, std::string type, std::string subject, std::string data,
                 const EventContext& context);

// CloudEvents structured JSON: specversion "1.0", id, source, type, time, subject,
// datacontenttype, data (a JSON object, not a string), traceparent and correlationid
// (extensions, omitted when empty).
std::string to_json(const Event& event);
// kMalformed (with field errors) for anything that is not such a document.
core::Result<Event> parse_event(std::string_view json);

struct TypeName {
  std::string name;  // "subject.created"
  int version = 0;   // 1
};
// "subject.created.v1" -> {"subject.created", 1}; nullopt without a ".vN" suffix.
std::optional<TypeName> parse_type(std::string_view type);

}  // namespace platform::events
