#include "infrastructure/syllabus_document.h"

#include <boost/json.hpp>
#include <functional>
#include <limits>

namespace syllabus_service::infrastructure {
namespace {

namespace json = boost::json;
using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;

// ---- Writing ------------------------------------------------------------------------------

json::array strings(const std::vector<std::string>& items) {
  json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

json::array uuids(const std::vector<Uuid>& ids) {
  json::array array;
  for (const auto& id : ids) array.emplace_back(id.to_string());
  return array;
}

template <typename Enum>
json::value optional_name(const std::optional<Enum>& value) {
  if (!value) return nullptr;
  return json::value(domain::to_string(*value));
}

json::value stamp(const domain::Stamp& stamp) {
  return json::object{{"at", platform::core::format_rfc3339(stamp.at)}, {"by", stamp.by}};
}

json::value stamp(const std::optional<domain::Stamp>& value) {
  if (!value) return nullptr;
  return stamp(*value);
}

// ---- Reading ------------------------------------------------------------------------------

// A problem in a stored document, with the path of the value: "schedule[2].week".
struct Unreadable {
  std::string path;
  std::string message;
};

std::string member_path(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

std::string item_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

// Typed access to the members of one object; throws Unreadable.
class Fields {
 public:
  Fields(const json::value& value, std::string path) : path_(std::move(path)) {
    object_ = value.if_object();
    if (!object_) throw Unreadable{path_, "is not an object"};
  }

  const json::value& value(std::string_view name) const {
    const json::value* found = object_->if_contains(name);
    if (!found) throw Unreadable{path(name), "is missing"};
    return *found;
  }
  bool is_null(std::string_view name) const { return value(name).is_null(); }
  std::string path(std::string_view name) const { return member_path(path_, name); }

  std::string string(std::string_view name) const { return as_string(value(name), path(name)); }
  std::int64_t integer(std::string_view name) const { return as_integer(value(name), path(name)); }
  bool boolean(std::string_view name) const {
    const json::value& found = value(name);
    if (!found.is_bool()) throw Unreadable{path(name), "is not a boolean"};
    return found.get_bool();
  }
  Uuid uuid(std::string_view name) const { return as_uuid(value(name), path(name)); }
  std::optional<std::string> optional_string(std::string_view name) const {
    if (is_null(name)) return std::nullopt;
    return string(name);
  }
  std::optional<std::int64_t> optional_integer(std::string_view name) const {
    if (is_null(name)) return std::nullopt;
    return integer(name);
  }
  template <typename Enum>
  Enum enumerated(std::string_view member,
                  const std::function<std::optional<Enum>(std::string_view)>& parse) const {
    const std::string text = string(member);
    std::optional<Enum> parsed = parse(text);
    if (!parsed) throw Unreadable{path(member), "names no known value: \"" + text + "\""};
    return *parsed;
  }
  template <typename Enum>
  std::optional<Enum> optional_enumerated(
      std::string_view member,
      const std::function<std::optional<Enum>(std::string_view)>& parse) const {
    if (is_null(member)) return std::nullopt;
    return enumerated<Enum>(member, parse);
  }

  // Each item of an array member, read by `read(item, its path)`.
  template <typename T, typename Read>
  std::vector<T> list(std::string_view name, Read&& read) const {
    const json::array* array = value(name).if_array();
    if (!array) throw Unreadable{path(name), "is not an array"};
    std::vector<T> items;
    items.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i)
      items.push_back(read((*array)[i], item_path(path(name), i)));
    return items;
  }

  static std::string as_string(const json::value& value, const std::string& path) {
    const json::string* text = value.if_string();
    if (!text) throw Unreadable{path, "is not a string"};
    return std::string(*text);
  }
  static std::int64_t as_integer(const json::value& value, const std::string& path) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64() &&
        value.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return static_cast<std::int64_t>(value.get_uint64());
    throw Unreadable{path, "is not an integer"};
  }
  static Uuid as_uuid(const json::value& value, const std::string& path) {
    std::optional<Uuid> id = Uuid::parse(as_string(value, path));
    if (!id) throw Unreadable{path, "is not a UUID"};
    return *id;
  }

 private:
  const json::object* object_ = nullptr;
  std::string path_;
};

std::vector<std::string> read_strings(const Fields& fields, std::string_view name) {
  return fields.list<std::string>(name, [](const json::value& item, const std::string& path) {
    return Fields::as_string(item, path);
  });
}

std::vector<Uuid> read_uuids(const Fields& fields, std::string_view name) {
  return fields.list<Uuid>(name, [](const json::value& item, const std::string& path) {
    return Fields::as_uuid(item, path);
  });
}

domain::Stamp read_stamp(const json::value& value, const std::string& path) {
  Fields fields(value, path);
  std::optional<platform::core::Timestamp> at = platform::core::parse_rfc3339(fields.string("at"));
  if (!at) throw Unreadable{fields.path("at"), "is not an RFC 3339 time"};
  return {*at, fields.string("by")};
}

std::optional<domain::Stamp> read_optional_stamp(const Fields& fields, std::string_view name) {
  if (fields.is_null(name)) return std::nullopt;
  return read_stamp(fields.value(name), fields.path(name));
}

domain::Syllabus read_syllabus(const json::value& document) {
  const Fields fields(document, "");
  const std::int64_t format = fields.integer("format");
  if (format != kDocumentFormat)
    throw Unreadable{"format",
                     "is " + std::to_string(format) + ", not " + std::to_string(kDocumentFormat)};

  domain::Syllabus s;
  s.id = fields.uuid("id");
  s.subject_id = fields.uuid("subject_id");
  s.academic_year = fields.string("academic_year");
  s.term = fields.enumerated<domain::Term>("term", domain::parse_term);
  s.revision = fields.integer("revision");
  s.parent_revision = fields.optional_integer("parent_revision");
  s.status = fields.enumerated<domain::Status>("status", domain::parse_status);

  s.title = fields.string("title");
  s.summary = fields.string("summary");
  s.languages = read_strings(fields, "languages");
  if (auto tenths = fields.optional_integer("ects_tenths")) s.ects_credits = {*tenths};
  s.teaching_mode = fields.optional_enumerated<domain::TeachingMode>("teaching_mode",
                                                                     domain::parse_teaching_mode);
  if (!fields.is_null("workload")) {
    const Fields workload(fields.value("workload"), fields.path("workload"));
    s.workload = domain::Workload{.lectures = workload.integer("lectures"),
                                  .tutorials = workload.integer("tutorials"),
                                  .labs = workload.integer("labs"),
                                  .self_study = workload.integer("self_study")};
  }
  s.learning_outcomes = fields.list<domain::LearningOutcome>(
      "learning_outcomes", [](const json::value& item, const std::string& path) {
        const Fields outcome(item, path);
        return domain::LearningOutcome{outcome.string("code"), outcome.string("statement")};
      });
  s.prerequisites = fields.list<domain::Prerequisite>(
      "prerequisites", [](const json::value& item, const std::string& path) {
        const Fields prerequisite(item, path);
        domain::Prerequisite read{prerequisite.string("text"), std::nullopt};
        if (!prerequisite.is_null("subject_id")) read.subject_id = prerequisite.uuid("subject_id");
        return read;
      });
  s.schedule = fields.list<domain::ScheduleSection>(
      "schedule", [](const json::value& item, const std::string& path) {
        const Fields section(item, path);
        return domain::ScheduleSection{section.integer("week"), section.string("title"),
                                       read_strings(section, "topics")};
      });
  s.assessments = fields.list<domain::Assessment>(
      "assessments", [](const json::value& item, const std::string& path) {
        const Fields assessment(item, path);
        return domain::Assessment{
            assessment.string("name"),
            assessment.enumerated<domain::AssessmentKind>("kind", domain::parse_assessment_kind),
            assessment.enumerated<domain::Session>("session", domain::parse_session),
            assessment.integer("weight_pct"), read_strings(assessment, "outcome_codes")};
      });
  s.readings = read_strings(fields, "readings");
  s.instructors = fields.list<domain::Instructor>(
      "instructors", [](const json::value& item, const std::string& path) {
        const Fields instructor(item, path);
        return domain::Instructor{instructor.string("name"), instructor.optional_string("email")};
      });
  s.attachments = read_uuids(fields, "attachments");
  s.body = fields.string("body");
  s.visibility = fields.enumerated<domain::Visibility>("visibility", domain::parse_visibility);

  s.subject_deleted = fields.boolean("subject_deleted");
  s.flagged_attachments = read_uuids(fields, "flagged_attachments");
  s.review_comment = fields.string("review_comment");

  s.version = fields.integer("version");
  s.created = read_stamp(fields.value("created"), "created");
  s.updated = read_stamp(fields.value("updated"), "updated");
  s.submitted = read_optional_stamp(fields, "submitted");
  s.rejected = read_optional_stamp(fields, "rejected");
  s.published = read_optional_stamp(fields, "published");
  s.superseded = read_optional_stamp(fields, "superseded");
  s.archived = read_optional_stamp(fields, "archived");
  return s;
}

}  // namespace

std::string to_document(const domain::Syllabus& s) {
  json::object o;
  o["format"] = kDocumentFormat;
  o["id"] = s.id.to_string();
  o["subject_id"] = s.subject_id.to_string();
  o["academic_year"] = s.academic_year;
  o["term"] = domain::to_string(s.term);
  o["revision"] = s.revision;
  o["parent_revision"] = s.parent_revision ? json::value(*s.parent_revision) : json::value(nullptr);
  o["status"] = domain::to_string(s.status);

  o["title"] = s.title;
  o["summary"] = s.summary;
  o["languages"] = strings(s.languages);
  o["ects_tenths"] = s.ects_credits ? json::value(s.ects_credits->tenths) : json::value(nullptr);
  o["teaching_mode"] = optional_name(s.teaching_mode);
  if (s.workload)
    o["workload"] = json::object{{"lectures", s.workload->lectures},
                                 {"tutorials", s.workload->tutorials},
                                 {"labs", s.workload->labs},
                                 {"self_study", s.workload->self_study}};
  else
    o["workload"] = nullptr;

  json::array outcomes;
  for (const auto& outcome : s.learning_outcomes)
    outcomes.push_back(json::object{{"code", outcome.code}, {"statement", outcome.statement}});
  o["learning_outcomes"] = std::move(outcomes);

  json::array prerequisites;
  for (const auto& prerequisite : s.prerequisites)
    prerequisites.push_back(json::object{
        {"text", prerequisite.text},
        {"subject_id", prerequisite.subject_id ? json::value(prerequisite.subject_id->to_string())
                                               : json::value(nullptr)}});
  o["prerequisites"] = std::move(prerequisites);

  json::array schedule;
  for (const auto& section : s.schedule)
    schedule.push_back(json::object{
        {"week", section.week}, {"title", section.title}, {"topics", strings(section.topics)}});
  o["schedule"] = std::move(schedule);

  json::array assessments;
  for (const auto& assessment : s.assessments)
    assessments.push_back(json::object{{"name", assessment.name},
                                       {"kind", domain::to_string(assessment.kind)},
                                       {"session", domain::to_string(assessment.session)},
                                       {"weight_pct", assessment.weight_pct},
                                       {"outcome_codes", strings(assessment.outcome_codes)}});
  o["assessments"] = std::move(assessments);

  o["readings"] = strings(s.readings);
  json::array instructors;
  for (const auto& instructor : s.instructors)
    instructors.push_back(json::object{
        {"name", instructor.name},
        {"email", instructor.email ? json::value(*instructor.email) : json::value(nullptr)}});
  o["instructors"] = std::move(instructors);
  o["attachments"] = uuids(s.attachments);
  o["body"] = s.body;
  o["visibility"] = domain::to_string(s.visibility);

  o["subject_deleted"] = s.subject_deleted;
  o["flagged_attachments"] = uuids(s.flagged_attachments);
  o["review_comment"] = s.review_comment;

  o["version"] = s.version;
  o["created"] = stamp(s.created);
  o["updated"] = stamp(s.updated);
  o["submitted"] = stamp(s.submitted);
  o["rejected"] = stamp(s.rejected);
  o["published"] = stamp(s.published);
  o["superseded"] = stamp(s.superseded);
  o["archived"] = stamp(s.archived);
  return json::serialize(o);
}

Result<domain::Syllabus> from_document(std::string_view document) {
  boost::system::error_code error;
  const json::value parsed = json::parse(document, error);
  if (error) return Error::internal("a stored syllabus document is not JSON: " + error.message());
  try {
    return read_syllabus(parsed);
  } catch (const Unreadable& problem) {
    std::string where = "a stored syllabus document";
    if (const auto* object = parsed.if_object())
      if (const auto* id = object->if_contains("id"); id && id->is_string())
        where += " (syllabus " + std::string(id->get_string()) + ")";
    return Error::internal(where + " is unreadable: " + problem.path + " " + problem.message);
  }
}

}  // namespace syllabus_service::infrastructure
