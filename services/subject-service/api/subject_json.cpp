#include "api/subject_json.h"

#include <boost/json.hpp>
#include <set>

namespace subject_service::api {

using platform::core::FieldError;

boost::json::object to_json(const domain::Subject& subject) {
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

std::string page_to_json(const application::SubjectListPage& page, std::size_t limit) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const auto& subject : page.items) items.push_back(to_json(subject));
  boost::json::object body{{"items", std::move(items)}, {"limit", limit}};
  if (page.next_cursor)
    body["next_cursor"] = *page.next_cursor;
  else
    body["next_cursor"] = nullptr;
  return boost::json::serialize(body);
}

namespace {

constexpr std::string_view kReadOnly[] = {"id", "version", "created_at", "updated_at"};

void read_string(const boost::json::value& value, const std::string& field, bool nullable,
                 std::optional<std::string>& out, std::vector<FieldError>& errors) {
  if (value.is_string()) {
    out = std::string(value.get_string());
  } else if (nullable && value.is_null()) {
    out = std::string();
  } else {
    errors.push_back({field, nullable ? "must be a string or null" : "must be a string"});
  }
}

}  // namespace

ParsedDraft parse_draft(const boost::json::object& body) {
  ParsedDraft parsed;
  for (const auto& [key_view, value] : body) {
    const std::string key(key_view);
    if (key == "code") {
      read_string(value, key, false, parsed.draft.code, parsed.errors);
    } else if (key == "name") {
      read_string(value, key, false, parsed.draft.name, parsed.errors);
    } else if (key == "description") {
      read_string(value, key, true, parsed.draft.description, parsed.errors);
    } else if (key == "department") {
      read_string(value, key, true, parsed.draft.department, parsed.errors);
    } else if (key == "credits") {
      if (value.is_int64())
        parsed.draft.credits = value.get_int64();
      else if (value.is_uint64())
        parsed.draft.credits = domain::kCreditsMax + 1;  // far out of range: let the rule say so
      else
        parsed.errors.push_back({key, "must be an integer"});
    } else if (std::find(std::begin(kReadOnly), std::end(kReadOnly), key) != std::end(kReadOnly)) {
      parsed.errors.push_back({key, "is read-only"});
    } else {
      parsed.errors.push_back({key, "is not a known field"});
    }
  }
  return parsed;
}

std::vector<FieldError> merge_errors(std::vector<FieldError> type_errors,
                                     std::vector<FieldError> rule_errors) {
  std::set<std::string> seen;
  for (const auto& error : type_errors) seen.insert(error.field);
  for (auto& error : rule_errors)
    if (!seen.contains(error.field)) type_errors.push_back(std::move(error));
  return type_errors;
}

}  // namespace subject_service::api
