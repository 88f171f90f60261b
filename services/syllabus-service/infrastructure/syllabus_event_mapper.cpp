#include "infrastructure/syllabus_event_mapper.h"

#include <boost/json.hpp>

namespace syllabus_service::infrastructure {
namespace {

namespace json = boost::json;

// The revision as every event names it. Kept apart from the API's representation on
// purpose: the two are different contracts and may evolve separately.
json::object about(const domain::Syllabus& syllabus) {
  return {{"id", syllabus.id.to_string()},
          {"revision", syllabus.revision},
          {"subject_id", syllabus.subject_id.to_string()},
          {"academic_year", syllabus.academic_year},
          {"term", domain::to_string(syllabus.term)},
          {"status", domain::to_string(syllabus.status)},
          {"version", syllabus.version},
          {"title", syllabus.title}};
}

json::value optional_integer(const std::optional<std::int64_t>& value) {
  return value ? json::value(*value) : json::value(nullptr);
}

struct Mapped {
  std::string type;
  const domain::Syllabus* syllabus;
  json::object data;
};

struct Mapper {
  Mapped operator()(const domain::SyllabusCreated& created) const {
    json::object data = about(created.syllabus);
    data["parent_revision"] = optional_integer(created.syllabus.parent_revision);
    return {"syllabus.created.v1", &created.syllabus, std::move(data)};
  }
  Mapped operator()(const domain::SyllabusUpdated& updated) const {
    json::object data = about(updated.syllabus);
    json::array fields;
    for (const auto& field : updated.changed_fields) fields.emplace_back(field);
    data["changed_fields"] = std::move(fields);
    return {"syllabus.updated.v1", &updated.syllabus, std::move(data)};
  }
  Mapped operator()(const domain::SyllabusSubmitted& submitted) const {
    return {"syllabus.submitted.v1", &submitted.syllabus, about(submitted.syllabus)};
  }
  Mapped operator()(const domain::SyllabusPublished& published) const {
    json::object data = about(published.syllabus);
    data["superseded_revision"] = optional_integer(published.superseded_revision);
    return {"syllabus.published.v1", &published.syllabus, std::move(data)};
  }
  Mapped operator()(const domain::SyllabusArchived& archived) const {
    return {"syllabus.archived.v1", &archived.syllabus, about(archived.syllabus)};
  }
  Mapped operator()(const domain::SyllabusDeleted& deleted) const {
    json::object data = about(deleted.syllabus);
    data["deleted_at"] = platform::core::format_rfc3339(deleted.deleted_at);
    return {"syllabus.deleted.v1", &deleted.syllabus, std::move(data)};
  }
};

}  // namespace

platform::events::Event to_event(const application::Change& change) {
  Mapped mapped = std::visit(Mapper{}, change.event);
  return platform::events::make_event(kEventSource, mapped.type, mapped.syllabus->id.to_string(),
                                      json::serialize(mapped.data),
                                      {change.origin.traceparent, change.origin.correlation_id});
}

}  // namespace syllabus_service::infrastructure
