#include "infrastructure/subject_event_mapper.h"

#include <boost/json.hpp>

namespace subject_service::infrastructure {
namespace {

// The subject as events carry it. Kept apart from the API's representation on purpose:
// the two are different contracts and may evolve separately.
boost::json::object snapshot(const domain::Subject& subject) {
  return {{"id", subject.id.to_string()},
          {"code", subject.code},
          {"name", subject.name},
          {"description", subject.description},
          {"credits", subject.credits},
          {"department", subject.department},
          {"version", subject.version},
          {"created_at", platform::core::format_rfc3339(subject.created_at)},
          {"updated_at", platform::core::format_rfc3339(subject.updated_at)}};
}

struct Mapped {
  std::string type;
  const domain::Subject* subject;
  boost::json::object data;
};

Mapped map(const domain::SubjectEvent& event) {
  if (const auto* created = std::get_if<domain::SubjectCreated>(&event))
    return {"subject.created.v1", &created->subject, {{"subject", snapshot(created->subject)}}};
  if (const auto* updated = std::get_if<domain::SubjectUpdated>(&event)) {
    boost::json::array fields;
    boost::json::object changes;
    const boost::json::object state = snapshot(updated->subject);
    for (const auto& field : updated->changed_fields) {
      fields.emplace_back(field);
      changes[field] = state.at(field);
    }
    return {"subject.updated.v1",
            &updated->subject,
            {{"id", updated->subject.id.to_string()},
             {"version", updated->subject.version},
             {"changed_fields", std::move(fields)},
             {"changes", std::move(changes)},
             {"subject", state}}};
  }
  const auto& deleted = std::get<domain::SubjectDeleted>(event);
  return {"subject.deleted.v1",
          &deleted.subject,
          {{"id", deleted.subject.id.to_string()},
           {"code", deleted.subject.code},
           {"version", deleted.subject.version},
           {"deleted_at", platform::core::format_rfc3339(deleted.deleted_at)}}};
}

}  // namespace

platform::events::Event to_event(const application::Change& change) {
  Mapped mapped = map(change.event);
  return platform::events::make_event(kEventSource, mapped.type, mapped.subject->id.to_string(),
                                      boost::json::serialize(mapped.data),
                                      {change.origin.traceparent, change.origin.correlation_id});
}

}  // namespace subject_service::infrastructure
