#include "domain/subject.h"

#include "platform/core/strings.h"

namespace subject_service::domain {
namespace {

using platform::core::FieldError;

bool is_code_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

// Control characters are refused in one-line fields; a description may hold line breaks.
bool has_control_characters(std::string_view text, bool allow_line_breaks) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

void check_text(const std::optional<std::string>& value, const char* field, std::size_t min,
                std::size_t max, bool allow_line_breaks, std::vector<FieldError>& errors) {
  if (!value) return;
  if (!platform::core::is_valid_utf8(*value)) {
    errors.push_back({field, "must be valid UTF-8"});
    return;
  }
  const std::size_t length = platform::core::utf8_length(*value);
  if (min > 0 && platform::core::trim(*value).empty()) {
    errors.push_back({field, "must not be empty"});
  } else if (length < min || length > max) {
    errors.push_back({field, "must be " + (min > 0 ? std::to_string(min) + " to " : "at most ") +
                                 std::to_string(max) + " characters"});
  } else if (has_control_characters(*value, allow_line_breaks)) {
    errors.push_back({field, "must not contain control characters"});
  }
}

}  // namespace

std::vector<FieldError> validate(const SubjectDraft& draft, Completeness completeness) {
  std::vector<FieldError> errors;
  if (draft.code) {
    const std::string& code = *draft.code;
    bool characters_ok = true;
    for (char c : code) characters_ok = characters_ok && is_code_character(c);
    if (code.size() < kCodeMinLength || code.size() > kCodeMaxLength || !characters_ok)
      errors.push_back({"code", "must be 2 to 20 characters of A-Z, 0-9 and -"});
  } else if (completeness == Completeness::kAllRequired) {
    errors.push_back({"code", "is required"});
  }
  if (!draft.name && completeness == Completeness::kAllRequired)
    errors.push_back({"name", "is required"});
  check_text(draft.name, "name", 1, kNameMaxLength, false, errors);
  check_text(draft.description, "description", 0, kDescriptionMaxLength, true, errors);
  if (draft.credits && (*draft.credits < 0 || *draft.credits > kCreditsMax))
    errors.push_back({"credits", "must be an integer from 0 to 60"});
  check_text(draft.department, "department", 0, kDepartmentMaxLength, false, errors);
  return errors;
}

namespace {

Subject with_fields(Subject subject, const SubjectDraft& draft) {
  if (draft.code) subject.code = *draft.code;
  if (draft.name) subject.name = *draft.name;
  if (draft.description) subject.description = *draft.description;
  if (draft.credits) subject.credits = *draft.credits;
  if (draft.department) subject.department = *draft.department;
  return subject;
}

}  // namespace

Subject new_subject(const platform::core::Uuid& id, const SubjectDraft& draft,
                    platform::core::Timestamp now) {
  Subject subject;
  subject.id = id;
  subject.version = 1;
  subject.created_at = now;
  subject.updated_at = now;
  return with_fields(std::move(subject), draft);
}

Subject apply(const Subject& subject, const SubjectDraft& draft, platform::core::Timestamp now) {
  Subject changed = with_fields(subject, draft);
  changed.version = subject.version + 1;
  changed.updated_at = now;
  return changed;
}

bool changes_nothing(const Subject& subject, const SubjectDraft& draft) {
  return (!draft.code || *draft.code == subject.code) &&
         (!draft.name || *draft.name == subject.name) &&
         (!draft.description || *draft.description == subject.description) &&
         (!draft.credits || *draft.credits == subject.credits) &&
         (!draft.department || *draft.department == subject.department);
}

platform::core::Result<void> check_version(const Subject& subject,
                                           std::optional<std::int64_t> expected) {
  if (!expected || *expected == subject.version) return platform::core::ok();
  return platform::core::Error::version_mismatch("subject is at version " +
                                                 std::to_string(subject.version) + ", not " +
                                                 std::to_string(*expected));
}

}  // namespace subject_service::domain
