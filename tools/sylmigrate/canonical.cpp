#include "canonical.h"

#include <boost/json.hpp>

#include "domain/filename.h"
#include "platform/core/strings.h"

namespace sylmigrate {
namespace {

constexpr char kSeparator = '\x1f';

std::string rfc3339(platform::core::Timestamp at) {
  return platform::core::format_rfc3339(at);
}

class Joined {
 public:
  Joined& operator<<(std::string_view field) {
    if (started_) text_.push_back(kSeparator);
    started_ = true;
    text_ += field;
    return *this;
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
  bool started_ = false;
};

std::string text_of(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->get_string());
}

std::string integer_of(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_number()) return {};
  return std::to_string(value->to_number<std::int64_t>());
}

// A service's RFC 3339 text, re-read and written as the plan writes it.
std::string time_of(const boost::json::object& object, std::string_view key) {
  const auto parsed = platform::core::parse_rfc3339(text_of(object, key));
  return parsed ? rfc3339(*parsed) : text_of(object, key);
}

std::string outcome_code(std::size_t index) {
  return "LO" + std::to_string(index + 1);
}

}  // namespace

std::string subject_line(const SubjectImport& subject) {
  return boost::json::serialize(
      boost::json::object{{"legacy_id", std::to_string(subject.legacy_id)},
                          {"created_at", rfc3339(subject.created_at)},
                          {"updated_at", rfc3339(subject.updated_at)},
                          {"subject",
                           {{"code", subject.code},
                            {"name", subject.name},
                            {"description", subject.description},
                            {"credits", subject.credits},
                            {"department", subject.department}}}});
}

std::string file_query(const FileImport& file) {
  return "filename=" + platform::core::percent_encode(file.filename) +
         "&uploaded_by=" + platform::core::percent_encode(file.uploaded_by) +
         "&created_at=" + platform::core::percent_encode(rfc3339(file.uploaded_at));
}

std::string syllabus_line(const SyllabusImport& syllabus, const std::string& subject_id,
                          const std::optional<std::string>& file_id) {
  boost::json::array outcomes;
  for (std::size_t i = 0; i < syllabus.outcomes.size(); ++i)
    outcomes.push_back({{"code", outcome_code(i)}, {"statement", syllabus.outcomes[i]}});
  boost::json::array attachments;
  if (file_id) attachments.push_back(boost::json::value(*file_id));
  return boost::json::serialize(
      boost::json::object{{"legacy_id", std::to_string(syllabus.legacy_id)},
                          {"status", syllabus.status},
                          {"created_by", syllabus.created_by},
                          {"created_at", rfc3339(syllabus.created_at)},
                          {"updated_at", rfc3339(syllabus.updated_at)},
                          {"syllabus",
                           {{"subject_id", subject_id},
                            {"academic_year", syllabus.academic_year},
                            {"term", syllabus.term},
                            {"title", syllabus.title},
                            {"body", syllabus.body},
                            {"learning_outcomes", std::move(outcomes)},
                            {"attachments", std::move(attachments)}}}});
}

std::string canonical(const SubjectImport& subject) {
  Joined joined;
  joined << subject.code << subject.name << subject.description << std::to_string(subject.credits)
         << subject.department << rfc3339(subject.created_at) << rfc3339(subject.updated_at);
  return joined.take();
}

std::string canonical_subject(const boost::json::object& subject) {
  Joined joined;
  joined << text_of(subject, "code") << text_of(subject, "name") << text_of(subject, "description")
         << integer_of(subject, "credits") << text_of(subject, "department")
         << time_of(subject, "created_at") << time_of(subject, "updated_at");
  return joined.take();
}

std::string canonical(const FileImport& file, const std::string& sha256) {
  const auto name = file_service::domain::sanitise_filename(file.filename);
  Joined joined;
  joined << (name ? *name : file.filename) << std::to_string(file.size) << sha256
         << file.uploaded_by << rfc3339(file.uploaded_at);
  return joined.take();
}

std::string canonical_file(const boost::json::object& file) {
  Joined joined;
  joined << text_of(file, "filename") << integer_of(file, "size") << text_of(file, "sha256")
         << text_of(file, "uploaded_by") << time_of(file, "created_at");
  return joined.take();
}

std::string canonical(const SyllabusImport& syllabus, const std::string& subject_id,
                      const std::optional<std::string>& file_id) {
  Joined joined;
  joined << subject_id << syllabus.academic_year << syllabus.term << syllabus.status
         << syllabus.title << syllabus.body;
  for (std::size_t i = 0; i < syllabus.outcomes.size(); ++i)
    joined << outcome_code(i) + "=" + syllabus.outcomes[i];
  joined << "attachments:" + file_id.value_or("") << syllabus.created_by
         << rfc3339(syllabus.created_at) << rfc3339(syllabus.updated_at);
  return joined.take();
}

std::string canonical_syllabus(const boost::json::object& syllabus) {
  Joined joined;
  joined << text_of(syllabus, "subject_id") << text_of(syllabus, "academic_year")
         << text_of(syllabus, "term") << text_of(syllabus, "status") << text_of(syllabus, "title")
         << text_of(syllabus, "body");
  if (const auto* outcomes = syllabus.if_contains("learning_outcomes");
      outcomes && outcomes->is_array()) {
    for (const auto& outcome : outcomes->get_array()) {
      if (!outcome.is_object()) continue;
      joined << text_of(outcome.get_object(), "code") + "=" +
                    text_of(outcome.get_object(), "statement");
    }
  }
  std::string attachments;
  if (const auto* files = syllabus.if_contains("attachments"); files && files->is_array()) {
    for (const auto& file : files->get_array()) {
      if (file.is_string())
        attachments += (attachments.empty() ? "" : ",") + std::string(file.get_string());
    }
  }
  joined << "attachments:" + attachments << text_of(syllabus, "created_by")
         << time_of(syllabus, "created_at") << time_of(syllabus, "updated_at");
  return joined.take();
}

boost::json::object legacy_json(const LegacySubject& row) {
  boost::json::object json{{"id", row.id},
                           {"code", row.code},
                           {"name", row.name},
                           {"description", row.description},
                           {"created_at", row.created_at},
                           {"updated_at", row.updated_at}};
  json["credits"] = row.credits ? boost::json::value(*row.credits) : nullptr;
  json["department"] = row.department ? boost::json::value(*row.department) : nullptr;
  return json;
}

boost::json::object legacy_json(const LegacyFile& row) {
  boost::json::object json{{"id", row.id},
                           {"original_name", row.original_name},
                           {"stored_path", row.stored_path},
                           {"mime_type", row.mime_type},
                           {"size_bytes", row.size_bytes},
                           {"uploaded_at", row.uploaded_at}};
  json["uploaded_by"] = row.uploaded_by ? boost::json::value(*row.uploaded_by) : nullptr;
  return json;
}

boost::json::object legacy_json(const LegacySyllabus& row) {
  const auto optional = [](const std::optional<std::string>& value) {
    return value ? boost::json::value(*value) : boost::json::value(nullptr);
  };
  boost::json::object json{{"id", row.id},
                           {"subject_id", row.subject_id},
                           {"title", row.title},
                           {"academic_year", row.academic_year},
                           {"semester", row.semester},
                           {"status", row.status},
                           {"created_at", row.created_at},
                           {"updated_at", row.updated_at}};
  json["file_id"] = row.file_id ? boost::json::value(*row.file_id) : nullptr;
  json["content"] = optional(row.content);
  json["objectives"] = optional(row.objectives);
  json["created_by"] = optional(row.created_by);
  return json;
}

}  // namespace sylmigrate
