#include "api/syllabus_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <initializer_list>
#include <limits>
#include <string_view>

namespace syllabus_service::api {

using platform::core::FieldError;
namespace json = boost::json;
namespace domain = syllabus_service::domain;

// ---- Rendering ----------------------------------------------------------------------------

namespace {

json::value uuid_value(const platform::core::Uuid& id) {
  return json::value(id.to_string());
}

json::array strings(const std::vector<std::string>& items) {
  json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return array;
}

json::array uuids(const std::vector<platform::core::Uuid>& ids) {
  json::array array;
  for (const auto& id : ids) array.push_back(uuid_value(id));
  return array;
}

json::value ects_value(const std::optional<domain::EctsCredits>& credits) {
  if (!credits) return nullptr;
  if (credits->tenths % 10 == 0) return json::value(credits->tenths / 10);
  return json::value(credits->number());
}

template <typename Enum>
json::value enum_value(const std::optional<Enum>& value) {
  if (!value) return nullptr;
  return json::value(domain::to_string(*value));
}

void put_stamp(json::object& object, std::string_view step, const domain::Stamp& stamp) {
  object[std::string(step) + "_at"] = platform::core::format_rfc3339(stamp.at);
  object[std::string(step) + "_by"] = stamp.by;
}

void put_stamp(json::object& object, std::string_view step,
               const std::optional<domain::Stamp>& stamp) {
  if (stamp) return put_stamp(object, step, *stamp);
  object[std::string(step) + "_at"] = nullptr;
  object[std::string(step) + "_by"] = nullptr;
}

}  // namespace

json::object to_json(const domain::Syllabus& syllabus) {
  json::object object;
  object["id"] = syllabus.id.to_string();
  object["subject_id"] = syllabus.subject_id.to_string();
  object["academic_year"] = syllabus.academic_year;
  object["term"] = domain::to_string(syllabus.term);
  object["revision"] = syllabus.revision;
  object["parent_revision"] =
      syllabus.parent_revision ? json::value(*syllabus.parent_revision) : json::value(nullptr);
  object["status"] = domain::to_string(syllabus.status);

  object["title"] = syllabus.title;
  object["summary"] = syllabus.summary;
  object["languages"] = strings(syllabus.languages);
  object["ects_credits"] = ects_value(syllabus.ects_credits);
  object["teaching_mode"] = enum_value(syllabus.teaching_mode);
  if (const auto& workload = syllabus.workload)
    object["workload"] = json::object{{"lectures", workload->lectures},
                                      {"tutorials", workload->tutorials},
                                      {"labs", workload->labs},
                                      {"self_study", workload->self_study}};
  else
    object["workload"] = nullptr;

  json::array outcomes;
  for (const auto& outcome : syllabus.learning_outcomes)
    outcomes.push_back(json::object{{"code", outcome.code}, {"statement", outcome.statement}});
  object["learning_outcomes"] = std::move(outcomes);

  json::array prerequisites;
  for (const auto& prerequisite : syllabus.prerequisites)
    prerequisites.push_back(
        json::object{{"text", prerequisite.text},
                     {"subject_id", prerequisite.subject_id ? uuid_value(*prerequisite.subject_id)
                                                            : json::value(nullptr)}});
  object["prerequisites"] = std::move(prerequisites);

  json::array schedule;
  for (const auto& section : syllabus.schedule)
    schedule.push_back(json::object{
        {"week", section.week}, {"title", section.title}, {"topics", strings(section.topics)}});
  object["schedule"] = std::move(schedule);

  json::array assessments;
  for (const auto& assessment : syllabus.assessments)
    assessments.push_back(json::object{{"name", assessment.name},
                                       {"kind", domain::to_string(assessment.kind)},
                                       {"session", domain::to_string(assessment.session)},
                                       {"weight_pct", assessment.weight_pct},
                                       {"outcome_codes", strings(assessment.outcome_codes)}});
  object["assessments"] = std::move(assessments);

  object["readings"] = strings(syllabus.readings);

  json::array instructors;
  for (const auto& instructor : syllabus.instructors)
    instructors.push_back(json::object{
        {"name", instructor.name},
        {"email", instructor.email ? json::value(*instructor.email) : json::value(nullptr)}});
  object["instructors"] = std::move(instructors);

  object["attachments"] = uuids(syllabus.attachments);
  object["body"] = syllabus.body;
  object["visibility"] = domain::to_string(syllabus.visibility);

  object["subject_deleted"] = syllabus.subject_deleted;
  object["flagged_attachments"] = uuids(syllabus.flagged_attachments);
  object["review_comment"] =
      syllabus.review_comment.empty() ? json::value(nullptr) : json::value(syllabus.review_comment);
  object["version"] = syllabus.version;
  put_stamp(object, "created", syllabus.created);
  put_stamp(object, "updated", syllabus.updated);
  put_stamp(object, "submitted", syllabus.submitted);
  put_stamp(object, "rejected", syllabus.rejected);
  put_stamp(object, "published", syllabus.published);
  put_stamp(object, "superseded", syllabus.superseded);
  put_stamp(object, "archived", syllabus.archived);
  return object;
}

json::array to_json(const std::vector<FieldError>& errors) {
  json::array array;
  for (const auto& error : errors)
    array.push_back(json::object{{"field", error.field}, {"message", error.message}});
  return array;
}

json::object to_json(const domain::PublishCheck& check) {
  return {{"publishable", check.publishable()},
          {"errors", to_json(check.errors)},
          {"warnings", to_json(check.warnings)}};
}

json::object diff_to_json(const domain::Syllabus& from, const domain::Syllabus& to) {
  const json::object before = to_json(from);
  const json::object after = to_json(to);
  json::array changes;
  for (const auto& field : domain::diff(from, to))
    changes.push_back(
        json::object{{"field", field}, {"from", before.at(field)}, {"to", after.at(field)}});
  const auto side = [](const domain::Syllabus& syllabus) {
    return json::object{{"id", syllabus.id.to_string()},
                        {"revision", syllabus.revision},
                        {"version", syllabus.version}};
  };
  return {{"from", side(from)}, {"to", side(to)}, {"changes", std::move(changes)}};
}

// ---- Parsing ------------------------------------------------------------------------------

namespace {

constexpr std::string_view kReadOnly[] = {"id",
                                          "revision",
                                          "parent_revision",
                                          "status",
                                          "subject_deleted",
                                          "flagged_attachments",
                                          "review_comment",
                                          "version",
                                          "created_at",
                                          "created_by",
                                          "updated_at",
                                          "updated_by",
                                          "submitted_at",
                                          "submitted_by",
                                          "rejected_at",
                                          "rejected_by",
                                          "published_at",
                                          "published_by",
                                          "superseded_at",
                                          "superseded_by",
                                          "archived_at",
                                          "archived_by"};

std::string indexed(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

std::string member(const std::string& path, std::string_view name) {
  return path + "." + std::string(name);
}

std::string_view view(const json::string& text) {
  return {text.data(), text.size()};
}

// Reads JSON values into domain types, recording a FieldError for each that has the
// wrong type. Every read returns a value (a default after an error) so that the caller
// can always fill its slot.
class Reader {
 public:
  explicit Reader(std::vector<FieldError>& errors) : errors_(errors) {}

  void fail(const std::string& path, std::string message) {
    errors_.push_back({path, std::move(message)});
  }

  std::string text(const json::value& value, const std::string& path) {
    if (const auto* string = value.if_string()) return std::string(*string);
    fail(path, "must be a string");
    return {};
  }

  // Integers only; one too large for the domain's type becomes a value out of every
  // range, for the rule to report.
  std::int64_t integer(const json::value& value, const std::string& path) {
    if (value.is_int64()) return value.get_int64();
    if (value.is_uint64()) return std::numeric_limits<std::int64_t>::max();
    fail(path, "must be an integer");
    return 0;
  }

  platform::core::Uuid uuid(const json::value& value, const std::string& path) {
    if (const auto* string = value.if_string())
      if (auto id = platform::core::Uuid::parse(view(*string))) return *id;
    fail(path, "must be a UUID");
    return {};
  }

  template <typename Enum>
  std::optional<Enum> name(const json::value& value, const std::string& path,
                           std::optional<Enum> (*parse)(std::string_view), std::string names) {
    if (const auto* string = value.if_string())
      if (auto parsed = parse(view(*string))) return parsed;
    fail(path, "must be one of: " + names);
    return std::nullopt;
  }

  std::optional<domain::EctsCredits> ects(const json::value& value, const std::string& path) {
    if (value.is_int64() || value.is_uint64() || value.is_double()) {
      if (auto credits = domain::EctsCredits::from_number(value.to_number<double>()))
        return credits;
      fail(path, "must be a number in steps of 0.1, such as 7.5");
      return std::nullopt;
    }
    fail(path, "must be a number");
    return std::nullopt;
  }

  // Each item of an array, read by `item(value, path)` in order.
  template <typename T, typename Item>
  std::vector<T> list(const json::value& value, const std::string& path, Item item) {
    std::vector<T> items;
    const auto* array = value.if_array();
    if (!array) {
      fail(path, "must be an array");
      return items;
    }
    items.reserve(array->size());
    for (std::size_t i = 0; i < array->size(); ++i)
      items.push_back(item((*array)[i], indexed(path, i)));
    return items;
  }

  std::vector<std::string> texts(const json::value& value, const std::string& path) {
    return list<std::string>(value, path, [this](const json::value& item, const std::string& at) {
      return text(item, at);
    });
  }

  enum class Presence { kRequired, kOptional, kNullable };

  // The members of an object item: unknown ones reported, required ones looked up.
  class Members {
   public:
    Members(Reader& reader, const json::value& value, std::string path,
            std::initializer_list<std::string_view> known)
        : reader_(reader), object_(value.if_object()), path_(std::move(path)) {
      if (!object_) {
        reader_.fail(path_, "must be an object");
        return;
      }
      for (const auto& [key, unused] : *object_)
        if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
          reader_.fail(member(path_, key), "is not a known field");
    }

    bool is_object() const { return object_ != nullptr; }
    std::string path(std::string_view name) const { return member(path_, name); }

    // The member, or nullptr when absent (after "is required" for a required member of
    // an object item). A kNullable member's null counts as absent.
    const json::value* get(std::string_view name, Presence presence) {
      if (!object_) return nullptr;
      const json::value* value = object_->if_contains(name);
      if (value && presence == Presence::kNullable && value->is_null()) return nullptr;
      if (!value && presence == Presence::kRequired) reader_.fail(path(name), "is required");
      return value;
    }

   private:
    Reader& reader_;
    const json::object* object_;
    std::string path_;
  };

  domain::Workload workload(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"lectures", "tutorials", "labs", "self_study"});
    domain::Workload workload;
    const auto hours = [&](std::string_view name, std::int64_t& out) {
      if (const auto* v = members.get(name, Presence::kRequired))
        out = integer(*v, members.path(name));
    };
    hours("lectures", workload.lectures);
    hours("tutorials", workload.tutorials);
    hours("labs", workload.labs);
    hours("self_study", workload.self_study);
    return workload;
  }

  domain::LearningOutcome outcome(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"code", "statement"});
    domain::LearningOutcome outcome;
    if (const auto* v = members.get("code", Presence::kRequired))
      outcome.code = text(*v, members.path("code"));
    if (const auto* v = members.get("statement", Presence::kRequired))
      outcome.statement = text(*v, members.path("statement"));
    return outcome;
  }

  domain::Prerequisite prerequisite(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"text", "subject_id"});
    domain::Prerequisite prerequisite;
    if (const auto* v = members.get("text", Presence::kRequired))
      prerequisite.text = text(*v, members.path("text"));
    if (const auto* v = members.get("subject_id", Presence::kNullable))
      prerequisite.subject_id = uuid(*v, members.path("subject_id"));
    return prerequisite;
  }

  domain::ScheduleSection section(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"week", "title", "topics"});
    domain::ScheduleSection section;
    if (const auto* v = members.get("week", Presence::kRequired))
      section.week = integer(*v, members.path("week"));
    if (const auto* v = members.get("title", Presence::kRequired))
      section.title = text(*v, members.path("title"));
    if (const auto* v = members.get("topics", Presence::kOptional))
      section.topics = texts(*v, members.path("topics"));
    return section;
  }

  domain::Assessment assessment(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"name", "kind", "session", "weight_pct", "outcome_codes"});
    domain::Assessment assessment;
    if (const auto* v = members.get("name", Presence::kRequired))
      assessment.name = text(*v, members.path("name"));
    if (const auto* v = members.get("kind", Presence::kRequired))
      assessment.kind = name(*v, members.path("kind"), &domain::parse_assessment_kind,
                             domain::names_of_assessment_kinds())
                            .value_or(assessment.kind);
    if (const auto* v = members.get("session", Presence::kRequired))
      assessment.session =
          name(*v, members.path("session"), &domain::parse_session, domain::names_of_sessions())
              .value_or(assessment.session);
    if (const auto* v = members.get("weight_pct", Presence::kRequired))
      assessment.weight_pct = integer(*v, members.path("weight_pct"));
    if (const auto* v = members.get("outcome_codes", Presence::kOptional))
      assessment.outcome_codes = texts(*v, members.path("outcome_codes"));
    return assessment;
  }

  domain::Instructor instructor(const json::value& value, const std::string& path) {
    Members members(*this, value, path, {"name", "email"});
    domain::Instructor instructor;
    if (const auto* v = members.get("name", Presence::kRequired))
      instructor.name = text(*v, members.path("name"));
    if (const auto* v = members.get("email", Presence::kNullable))
      instructor.email = text(*v, members.path("email"));
    return instructor;
  }

 private:
  std::vector<FieldError>& errors_;
};

}  // namespace

ParsedDraft parse_draft(const json::object& body) {
  ParsedDraft parsed;
  domain::SyllabusDraft& draft = parsed.draft;
  Reader read(parsed.errors);
  // An item reader for Reader::list, from one of Reader's item functions.
  const auto each = [&read](auto item) {
    return [&read, item](const json::value& value, const std::string& path) {
      return (read.*item)(value, path);
    };
  };
  for (const auto& [key_view, value] : body) {
    const std::string key(key_view);
    if (key == "subject_id") {
      const std::size_t before = parsed.errors.size();
      const auto id = read.uuid(value, key);
      if (parsed.errors.size() == before) draft.subject_id = id;
    } else if (key == "academic_year") {
      if (value.is_string())
        draft.academic_year = std::string(value.get_string());
      else
        read.fail(key, "must be a string");
    } else if (key == "term") {
      draft.term = read.name(value, key, &domain::parse_term, domain::names_of_terms());
    } else if (key == "title" || key == "summary" || key == "body") {
      if (!value.is_string()) {
        read.fail(key, "must be a string");
        continue;
      }
      auto& field = key == "title" ? draft.title : key == "summary" ? draft.summary : draft.body;
      field = std::string(value.get_string());
    } else if (key == "languages") {
      draft.languages = read.texts(value, key);
    } else if (key == "ects_credits") {
      draft.ects_credits = read.ects(value, key);
    } else if (key == "teaching_mode") {
      draft.teaching_mode =
          read.name(value, key, &domain::parse_teaching_mode, domain::names_of_teaching_modes());
    } else if (key == "workload") {
      draft.workload = read.workload(value, key);
    } else if (key == "learning_outcomes") {
      draft.learning_outcomes =
          read.list<domain::LearningOutcome>(value, key, each(&Reader::outcome));
    } else if (key == "prerequisites") {
      draft.prerequisites =
          read.list<domain::Prerequisite>(value, key, each(&Reader::prerequisite));
    } else if (key == "schedule") {
      draft.schedule = read.list<domain::ScheduleSection>(value, key, each(&Reader::section));
    } else if (key == "assessments") {
      draft.assessments = read.list<domain::Assessment>(value, key, each(&Reader::assessment));
    } else if (key == "readings") {
      draft.readings = read.texts(value, key);
    } else if (key == "instructors") {
      draft.instructors = read.list<domain::Instructor>(value, key, each(&Reader::instructor));
    } else if (key == "attachments") {
      draft.attachments = read.list<platform::core::Uuid>(value, key, each(&Reader::uuid));
    } else if (key == "visibility") {
      draft.visibility =
          read.name(value, key, &domain::parse_visibility, domain::names_of_visibilities());
    } else if (std::find(std::begin(kReadOnly), std::end(kReadOnly), key) != std::end(kReadOnly)) {
      read.fail(key, "is read-only");
    } else {
      read.fail(key, "is not a known field");
    }
  }
  return parsed;
}

std::vector<FieldError> merge_errors(std::vector<FieldError> type_errors,
                                     std::vector<FieldError> rule_errors) {
  const auto covered = [&](const std::string& path) {
    return std::any_of(type_errors.begin(), type_errors.end(), [&](const FieldError& error) {
      const std::string& prefix = error.field;
      return path == prefix || (path.size() > prefix.size() && path.starts_with(prefix) &&
                                (path[prefix.size()] == '.' || path[prefix.size()] == '['));
    });
  };
  std::vector<FieldError> kept;
  for (auto& error : rule_errors)
    if (!covered(error.field)) kept.push_back(std::move(error));
  for (auto& error : kept) type_errors.push_back(std::move(error));
  return type_errors;
}

}  // namespace syllabus_service::api
