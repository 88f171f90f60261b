#include "domain/syllabus.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <utility>

#include "platform/core/strings.h"

namespace syllabus_service::domain {
namespace {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::Result;
using platform::core::Timestamp;
using platform::core::Uuid;

// ---- Names of the enumerations ----------------------------------------------------------

constexpr std::array<std::string_view, 4> kTermNames = {"autumn", "spring", "summer", "full_year"};
constexpr std::array<std::string_view, 3> kTeachingModeNames = {"in_person", "distant", "hybrid"};
constexpr std::array<std::string_view, 8> kAssessmentKindNames = {
    "exam", "coursework", "project", "presentation", "lab", "quiz", "oral", "other"};
constexpr std::array<std::string_view, 2> kSessionNames = {"first", "resit"};
constexpr std::array<std::string_view, 2> kVisibilityNames = {"public", "authenticated"};
constexpr std::array<std::string_view, 5> kStatusNames = {"draft", "in_review", "published",
                                                          "superseded", "archived"};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names,
                               std::string_view name) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<Enum>(i);
  return std::nullopt;
}

template <std::size_t N>
std::string join(const std::array<std::string_view, N>& names) {
  std::string text;
  for (std::string_view name : names) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

// ---- Shape rules --------------------------------------------------------------------------

// ISO 639-1, as listed by Debian's iso-codes (iso_639-2.json, the alpha_2 codes).
constexpr std::array<std::string_view, 184> kIso639_1 = {
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv", "ka", "kg", "ki", "kj",
    "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb", "lg", "li", "ln",
    "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt", "my", "na", "nb",
    "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa", "pi",
    "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk",
    "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti",
    "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo",
    "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu"};

bool is_language_code(std::string_view code) {
  return std::binary_search(kIso639_1.begin(), kIso639_1.end(), code);
}

bool is_outcome_code(std::string_view code) {
  if (code.empty() || code.size() > kOutcomeCodeMaxLength) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
  });
}

// name@example.org: one @, a local part of 1-64 bytes, a dotted domain, no spaces.
bool is_email(std::string_view text) {
  if (text.size() > kEmailMaxLength) return false;
  const auto at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 ||
      text.find('@', at + 1) != std::string_view::npos)
    return false;
  const std::string_view domain = text.substr(at + 1);
  if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
      domain.find('.') == std::string_view::npos || domain.find("..") != std::string_view::npos)
    return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F;
  });
}

std::string indexed(std::string_view field, std::size_t index) {
  return std::string(field) + "[" + std::to_string(index) + "]";
}

std::string member(std::string_view path, std::string_view name) {
  return std::string(path) + "." + std::string(name);
}

std::string at_most_items(std::size_t max) {
  return "must have at most " + std::to_string(max) + " items";
}

// Control characters are refused in one-line text; multi-line text may hold line breaks.
enum class Lines { kOne, kMany };

bool has_control_characters(std::string_view text, Lines lines) {
  return std::any_of(text.begin(), text.end(), [lines](char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (lines == Lines::kMany && (c == '\n' || c == '\r' || c == '\t')) return false;
    return byte < 0x20 || byte == 0x7F;
  });
}

// Text of at most `max` characters; `required` text must not be blank.
enum class Blank { kAllowed, kRefused };

void check_text(std::string_view text, const std::string& path, std::size_t max, Blank blank,
                Lines lines, std::vector<FieldError>& errors) {
  if (!platform::core::is_valid_utf8(text)) {
    errors.push_back({path, "must be valid UTF-8"});
  } else if (blank == Blank::kRefused && platform::core::trim(text).empty()) {
    errors.push_back({path, "must not be empty"});
  } else if (platform::core::utf8_length(text) > max) {
    errors.push_back({path, "must be at most " + std::to_string(max) + " characters"});
  } else if (has_control_characters(text, lines)) {
    errors.push_back({path, "must not contain control characters"});
  }
}

void check_range(std::int64_t value, std::int64_t min, std::int64_t max, const std::string& path,
                 std::string_view unit, std::vector<FieldError>& errors) {
  if (value < min || value > max)
    errors.push_back({path, "must be from " + std::to_string(min) + " to " + std::to_string(max) +
                                std::string(unit)});
}

void check_id(const Uuid& id, const std::string& path, std::vector<FieldError>& errors) {
  if (id.is_nil()) errors.push_back({path, "must not be the nil UUID"});
}

// One error per item equal to an earlier one, naming the first: "duplicates languages[0]".
template <typename T, typename Key>
void check_unique(const std::vector<T>& items, std::string_view field, std::string_view suffix,
                  Key key, std::vector<FieldError>& errors) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (key(items[j]) == key(items[i])) {
        errors.push_back({indexed(field, i) + std::string(suffix),
                          "duplicates " + indexed(field, j) + std::string(suffix)});
        break;
      }
    }
  }
}

// Calls `each(item, path)` for every item of a present list of at most `max` items.
template <typename T, typename Each>
void check_list(const std::optional<std::vector<T>>& list, std::string_view field, std::size_t max,
                std::vector<FieldError>& errors, Each each) {
  if (!list) return;
  if (list->size() > max) {
    errors.push_back({std::string(field), at_most_items(max)});
    return;
  }
  for (std::size_t i = 0; i < list->size(); ++i) each((*list)[i], indexed(field, i));
}

const auto kIdentity = [](const auto& value) -> const auto& {
  return value;
};

void check_outcome_code(std::string_view code, const std::string& path,
                        std::vector<FieldError>& errors) {
  if (!is_outcome_code(code))
    errors.push_back({path, "must be 1 to 20 characters of A-Z, a-z, 0-9, '.', '-' and '_'"});
}

}  // namespace

std::string_view to_string(Term value) {
  return kTermNames.at(static_cast<std::size_t>(value));
}
std::string_view to_string(TeachingMode value) {
  return kTeachingModeNames.at(static_cast<std::size_t>(value));
}
std::string_view to_string(AssessmentKind value) {
  return kAssessmentKindNames.at(static_cast<std::size_t>(value));
}
std::string_view to_string(Session value) {
  return kSessionNames.at(static_cast<std::size_t>(value));
}
std::string_view to_string(Visibility value) {
  return kVisibilityNames.at(static_cast<std::size_t>(value));
}
std::string_view to_string(Status value) {
  return kStatusNames.at(static_cast<std::size_t>(value));
}

std::optional<Term> parse_term(std::string_view name) {
  return parse_name<Term>(kTermNames, name);
}
std::optional<TeachingMode> parse_teaching_mode(std::string_view name) {
  return parse_name<TeachingMode>(kTeachingModeNames, name);
}
std::optional<AssessmentKind> parse_assessment_kind(std::string_view name) {
  return parse_name<AssessmentKind>(kAssessmentKindNames, name);
}
std::optional<Session> parse_session(std::string_view name) {
  return parse_name<Session>(kSessionNames, name);
}
std::optional<Visibility> parse_visibility(std::string_view name) {
  return parse_name<Visibility>(kVisibilityNames, name);
}
std::optional<Status> parse_status(std::string_view name) {
  return parse_name<Status>(kStatusNames, name);
}

std::string names_of_terms() {
  return join(kTermNames);
}
std::string names_of_teaching_modes() {
  return join(kTeachingModeNames);
}
std::string names_of_assessment_kinds() {
  return join(kAssessmentKindNames);
}
std::string names_of_sessions() {
  return join(kSessionNames);
}
std::string names_of_visibilities() {
  return join(kVisibilityNames);
}

std::optional<EctsCredits> EctsCredits::from_number(double credits) {
  if (!std::isfinite(credits)) return std::nullopt;
  // Far out of range either way: keep it so, without overflowing the integer.
  const double tenths = std::round(std::clamp(credits, -1e9, 1e9) * 10);
  if (std::abs(std::clamp(credits, -1e9, 1e9) * 10 - tenths) > 1e-6) return std::nullopt;
  return EctsCredits{static_cast<std::int64_t>(tenths)};
}

bool is_academic_year(std::string_view text) {
  if (text.size() != 9 || text[4] != '/') return false;
  const auto first = platform::core::parse_integer<int>(text.substr(0, 4));
  const auto second = platform::core::parse_integer<int>(text.substr(5, 4));
  const auto digits = [](std::string_view part) {
    return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return first && second && digits(text.substr(0, 4)) && digits(text.substr(5, 4)) &&
         *second == *first + 1;
}

std::vector<FieldError> validate_draft(const SyllabusDraft& draft) {
  std::vector<FieldError> errors;
  if (draft.subject_id) check_id(*draft.subject_id, "subject_id", errors);
  if (draft.academic_year && !is_academic_year(*draft.academic_year))
    errors.push_back({"academic_year", "must be two consecutive years such as \"2026/2027\""});
  if (draft.title)
    check_text(*draft.title, "title", kTitleMaxLength, Blank::kAllowed, Lines::kOne, errors);
  if (draft.summary)
    check_text(*draft.summary, "summary", kSummaryMaxLength, Blank::kAllowed, Lines::kMany, errors);

  check_list(draft.languages, "languages", kLanguagesMax, errors,
             [&](const std::string& code, const std::string& path) {
               if (!is_language_code(code))
                 errors.push_back({path, "must be an ISO 639-1 language code such as \"en\""});
             });
  if (draft.languages && draft.languages->size() <= kLanguagesMax)
    check_unique(*draft.languages, "languages", "", kIdentity, errors);

  if (draft.ects_credits &&
      (draft.ects_credits->tenths < 0 || draft.ects_credits->tenths > kEctsTenthsMax))
    errors.push_back({"ects_credits", "must be from 0 to 60"});

  if (draft.workload) {
    const Workload& workload = *draft.workload;
    const std::pair<const char*, std::int64_t> hours[] = {{"lectures", workload.lectures},
                                                          {"tutorials", workload.tutorials},
                                                          {"labs", workload.labs},
                                                          {"self_study", workload.self_study}};
    for (const auto& [name, value] : hours)
      check_range(value, 0, kWorkloadHoursMax, member("workload", name), " hours", errors);
  }

  check_list(draft.learning_outcomes, "learning_outcomes", kLearningOutcomesMax, errors,
             [&](const LearningOutcome& outcome, const std::string& path) {
               check_outcome_code(outcome.code, member(path, "code"), errors);
               check_text(outcome.statement, member(path, "statement"), kOutcomeStatementMaxLength,
                          Blank::kRefused, Lines::kMany, errors);
             });
  if (draft.learning_outcomes && draft.learning_outcomes->size() <= kLearningOutcomesMax)
    check_unique(
        *draft.learning_outcomes, "learning_outcomes", ".code",
        [](const LearningOutcome& outcome) -> const std::string& { return outcome.code; }, errors);

  check_list(draft.prerequisites, "prerequisites", kPrerequisitesMax, errors,
             [&](const Prerequisite& prerequisite, const std::string& path) {
               check_text(prerequisite.text, member(path, "text"), kPrerequisiteTextMaxLength,
                          Blank::kRefused, Lines::kMany, errors);
               if (prerequisite.subject_id)
                 check_id(*prerequisite.subject_id, member(path, "subject_id"), errors);
             });

  check_list(draft.schedule, "schedule", kScheduleSectionsMax, errors,
             [&](const ScheduleSection& section, const std::string& path) {
               check_range(section.week, 1, kWeekMax, member(path, "week"), "", errors);
               check_text(section.title, member(path, "title"), kSectionTitleMaxLength,
                          Blank::kRefused, Lines::kOne, errors);
               const std::string topics_path = member(path, "topics");
               if (section.topics.size() > kTopicsPerSectionMax) {
                 errors.push_back({topics_path, at_most_items(kTopicsPerSectionMax)});
                 return;
               }
               for (std::size_t i = 0; i < section.topics.size(); ++i)
                 check_text(section.topics[i], indexed(topics_path, i), kTopicMaxLength,
                            Blank::kRefused, Lines::kOne, errors);
             });

  check_list(draft.assessments, "assessments", kAssessmentsMax, errors,
             [&](const Assessment& assessment, const std::string& path) {
               check_text(assessment.name, member(path, "name"), kAssessmentNameMaxLength,
                          Blank::kRefused, Lines::kOne, errors);
               check_range(assessment.weight_pct, 0, kWeightPctMax, member(path, "weight_pct"), "",
                           errors);
               const std::string codes_path = member(path, "outcome_codes");
               if (assessment.outcome_codes.size() > kLearningOutcomesMax) {
                 errors.push_back({codes_path, at_most_items(kLearningOutcomesMax)});
                 return;
               }
               for (std::size_t i = 0; i < assessment.outcome_codes.size(); ++i)
                 check_outcome_code(assessment.outcome_codes[i], indexed(codes_path, i), errors);
               check_unique(assessment.outcome_codes, codes_path, "", kIdentity, errors);
             });

  check_list(draft.readings, "readings", kReadingsMax, errors,
             [&](const std::string& reading, const std::string& path) {
               check_text(reading, path, kReadingMaxLength, Blank::kRefused, Lines::kOne, errors);
             });

  check_list(draft.instructors, "instructors", kInstructorsMax, errors,
             [&](const Instructor& instructor, const std::string& path) {
               check_text(instructor.name, member(path, "name"), kInstructorNameMaxLength,
                          Blank::kRefused, Lines::kOne, errors);
               if (instructor.email && !is_email(*instructor.email))
                 errors.push_back(
                     {member(path, "email"), "must be an e-mail address such as name@example.org"});
             });

  check_list(
      draft.attachments, "attachments", kAttachmentsMax, errors,
      [&](const Uuid& file_id, const std::string& path) { check_id(file_id, path, errors); });
  if (draft.attachments && draft.attachments->size() <= kAttachmentsMax)
    check_unique(*draft.attachments, "attachments", "", kIdentity, errors);

  if (draft.body) {
    if (!platform::core::is_valid_utf8(*draft.body))
      errors.push_back({"body", "must be valid UTF-8"});
    else if (draft.body->size() > kBodyMaxBytes)
      errors.push_back({"body", "must be at most 102400 bytes (100 kB)"});
  }
  return errors;
}

// ---- Creating and changing ----------------------------------------------------------------

namespace {

// The content fields of the draft that are present, written into `syllabus`.
Syllabus with_content(Syllabus syllabus, const SyllabusDraft& draft) {
  if (draft.subject_id) syllabus.subject_id = *draft.subject_id;
  if (draft.title) syllabus.title = *draft.title;
  if (draft.summary) syllabus.summary = *draft.summary;
  if (draft.languages) syllabus.languages = *draft.languages;
  if (draft.ects_credits) syllabus.ects_credits = draft.ects_credits;
  if (draft.teaching_mode) syllabus.teaching_mode = draft.teaching_mode;
  if (draft.workload) syllabus.workload = draft.workload;
  if (draft.learning_outcomes) syllabus.learning_outcomes = *draft.learning_outcomes;
  if (draft.prerequisites) syllabus.prerequisites = *draft.prerequisites;
  if (draft.schedule) syllabus.schedule = *draft.schedule;
  if (draft.assessments) syllabus.assessments = *draft.assessments;
  if (draft.readings) syllabus.readings = *draft.readings;
  if (draft.instructors) syllabus.instructors = *draft.instructors;
  if (draft.attachments) syllabus.attachments = *draft.attachments;
  if (draft.body) syllabus.body = *draft.body;
  if (draft.visibility) syllabus.visibility = *draft.visibility;
  return syllabus;
}

bool is_immutable(Status status) {
  return status == Status::kPublished || status == Status::kSuperseded ||
         status == Status::kArchived;
}

// "revision 2 is in review": the start of a refusal's sentence.
std::string describe(const Syllabus& syllabus) {
  constexpr std::array<std::string_view, 5> kStates = {"a draft", "in review", "published",
                                                       "superseded", "archived"};
  return "revision " + std::to_string(syllabus.revision) + " is " +
         std::string(kStates.at(static_cast<std::size_t>(syllabus.status)));
}

// A fresh draft revision of `content`: version 1, created and updated by `who` at `now`,
// no review or transition behind it.
Syllabus fresh_draft(const Syllabus& content, const std::string& who, Timestamp now) {
  Syllabus draft = content;
  draft.status = Status::kDraft;
  draft.version = 1;
  draft.review_comment.clear();
  draft.created = {now, who};
  draft.updated = {now, who};
  draft.submitted.reset();
  draft.rejected.reset();
  draft.published.reset();
  draft.superseded.reset();
  draft.archived.reset();
  return draft;
}

}  // namespace

SyllabusDraft to_draft(const Syllabus& syllabus) {
  return {.subject_id = syllabus.subject_id,
          .academic_year = syllabus.academic_year,
          .term = syllabus.term,
          .title = syllabus.title,
          .summary = syllabus.summary,
          .languages = syllabus.languages,
          .ects_credits = syllabus.ects_credits,
          .teaching_mode = syllabus.teaching_mode,
          .workload = syllabus.workload,
          .learning_outcomes = syllabus.learning_outcomes,
          .prerequisites = syllabus.prerequisites,
          .schedule = syllabus.schedule,
          .assessments = syllabus.assessments,
          .readings = syllabus.readings,
          .instructors = syllabus.instructors,
          .attachments = syllabus.attachments,
          .body = syllabus.body,
          .visibility = syllabus.visibility};
}

Result<Syllabus> new_syllabus(const Uuid& id, const SyllabusDraft& draft, const std::string& who,
                              Timestamp now) {
  std::vector<FieldError> errors;
  if (!draft.subject_id) errors.push_back({"subject_id", "is required"});
  if (!draft.academic_year) errors.push_back({"academic_year", "is required"});
  if (!draft.term) errors.push_back({"term", "is required"});
  for (auto& error : validate_draft(draft)) errors.push_back(std::move(error));
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));

  Syllabus syllabus;
  syllabus.id = id;
  syllabus.academic_year = *draft.academic_year;
  syllabus.term = *draft.term;
  return with_content(fresh_draft(syllabus, who, now), draft);
}

Result<Syllabus> apply(const Syllabus& syllabus, const SyllabusDraft& patch, const std::string& who,
                       Timestamp now) {
  if (is_immutable(syllabus.status))
    return Error::failed_precondition(describe(syllabus) +
                                      " and cannot be changed: open a new revision to edit it");
  std::vector<FieldError> errors;
  if (patch.subject_id && *patch.subject_id != syllabus.subject_id &&
      (syllabus.status != Status::kDraft || syllabus.revision != 1))
    errors.push_back({"subject_id", "can only be changed on a draft of a first revision"});
  if (patch.academic_year && *patch.academic_year != syllabus.academic_year)
    errors.push_back(
        {"academic_year", "cannot be changed: copy the syllabus forward to another year instead"});
  if (patch.term && *patch.term != syllabus.term)
    errors.push_back(
        {"term", "cannot be changed: copy the syllabus forward to another term instead"});
  for (auto& error : validate_draft(patch)) {
    const bool reported = std::any_of(errors.begin(), errors.end(),
                                      [&](const FieldError& e) { return e.field == error.field; });
    if (!reported) errors.push_back(std::move(error));
  }
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));

  Syllabus changed = with_content(syllabus, patch);
  changed.version = syllabus.version + 1;
  changed.updated = {now, who};
  return changed;
}

bool changes_nothing(const Syllabus& syllabus, const SyllabusDraft& patch) {
  return diff(syllabus, with_content(syllabus, patch)).empty() &&
         (!patch.academic_year || *patch.academic_year == syllabus.academic_year) &&
         (!patch.term || *patch.term == syllabus.term);
}

Result<void> check_version(const Syllabus& syllabus, std::optional<std::int64_t> expected) {
  if (!expected || *expected == syllabus.version) return platform::core::ok();
  return Error::version_mismatch("syllabus is at version " + std::to_string(syllabus.version) +
                                 ", not " + std::to_string(*expected));
}

// ---- Publish checks -----------------------------------------------------------------------

namespace {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  std::string result(text);
  if (result.size() > 2 && result.ends_with(".0")) result.resize(result.size() - 2);
  return result;
}

void check_session_weights(const std::vector<Assessment>& assessments, Session session,
                           std::vector<FieldError>& errors) {
  std::int64_t sum = 0;
  bool any = false;
  for (const auto& assessment : assessments) {
    if (assessment.session != session) continue;
    any = true;
    sum += assessment.weight_pct;
  }
  const std::string name(to_string(session));
  if (!any) {
    if (session == Session::kFirst)
      errors.push_back({"assessments", "needs at least one assessment in the first session"});
    return;
  }
  if (sum != 100)
    errors.push_back({"assessments", "weights of the " + name + " session sum to " +
                                         std::to_string(sum) + "%, not 100%"});
}

}  // namespace

PublishCheck check_publishable(const Syllabus& syllabus) {
  PublishCheck check;
  auto& errors = check.errors;
  const auto required = [&](bool present, const char* field, const char* message) {
    if (!present) errors.push_back({field, message});
  };

  if (syllabus.subject_deleted) errors.push_back({"subject_id", "names a deleted subject"});
  required(!platform::core::trim(syllabus.title).empty(), "title", "is required to publish");
  required(!platform::core::trim(syllabus.summary).empty(), "summary", "is required to publish");
  required(!syllabus.languages.empty(), "languages", "needs at least one language to publish");
  required(syllabus.ects_credits.has_value(), "ects_credits", "is required to publish");
  required(syllabus.teaching_mode.has_value(), "teaching_mode", "is required to publish");
  if (!syllabus.workload)
    errors.push_back({"workload", "is required to publish"});
  else if (syllabus.workload->total_hours() <= 0)
    errors.push_back({"workload", "must total more than 0 hours to publish"});

  const auto& outcomes = syllabus.learning_outcomes;
  const auto& assessments = syllabus.assessments;
  required(!outcomes.empty(), "learning_outcomes",
           "needs at least one learning outcome to publish");
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const std::string path = indexed("learning_outcomes", i) + ".code";
    const auto first = std::find_if(outcomes.begin(), outcomes.end(), [&](const auto& outcome) {
      return outcome.code == outcomes[i].code;
    });
    if (first != outcomes.begin() + static_cast<std::ptrdiff_t>(i)) {
      errors.push_back({path, "duplicates " +
                                  indexed("learning_outcomes",
                                          static_cast<std::size_t>(first - outcomes.begin())) +
                                  ".code"});
      continue;
    }
    const bool assessed =
        std::any_of(assessments.begin(), assessments.end(), [&](const Assessment& assessment) {
          const auto& codes = assessment.outcome_codes;
          return std::find(codes.begin(), codes.end(), outcomes[i].code) != codes.end();
        });
    if (!assessed) errors.push_back({path, "\"" + outcomes[i].code + "\" is not assessed"});
  }

  required(!syllabus.schedule.empty(), "schedule", "needs at least one section to publish");

  required(!assessments.empty(), "assessments", "needs at least one assessment to publish");
  for (std::size_t i = 0; i < assessments.size(); ++i) {
    const auto& codes = assessments[i].outcome_codes;
    for (std::size_t j = 0; j < codes.size(); ++j) {
      const bool known = std::any_of(outcomes.begin(), outcomes.end(),
                                     [&](const auto& outcome) { return outcome.code == codes[j]; });
      if (!known)
        errors.push_back({indexed(member(indexed("assessments", i), "outcome_codes"), j),
                          "\"" + codes[j] + "\" names no learning outcome"});
    }
  }
  if (!assessments.empty()) {
    check_session_weights(assessments, Session::kFirst, errors);
    check_session_weights(assessments, Session::kResit, errors);
  }

  required(!syllabus.instructors.empty(), "instructors",
           "needs at least one instructor to publish");
  for (std::size_t i = 0; i < syllabus.attachments.size(); ++i) {
    const auto& flagged = syllabus.flagged_attachments;
    if (std::find(flagged.begin(), flagged.end(), syllabus.attachments[i]) != flagged.end())
      errors.push_back({indexed("attachments", i), "names a deleted file"});
  }

  if (syllabus.ects_credits && syllabus.ects_credits->tenths > 0 && syllabus.workload &&
      syllabus.workload->total_hours() > 0) {
    const double credits = syllabus.ects_credits->number();
    const auto hours = syllabus.workload->total_hours();
    const double per_credit = static_cast<double>(hours) / credits;
    if (per_credit < kWorkloadWarnMinHoursPerCredit || per_credit > kWorkloadWarnMaxHoursPerCredit)
      check.warnings.push_back(
          {"workload", "totals " + std::to_string(hours) + " hours for " + format_number(credits) +
                           " ECTS credits, " + format_number(per_credit) +
                           " hours per credit: expected 25 to 30 (warned outside 20 to 35)"});
  }
  return check;
}

// ---- Lifecycle ----------------------------------------------------------------------------

namespace {

Syllabus moved_to(const Syllabus& syllabus, Status status, const std::string& who, Timestamp now) {
  Syllabus moved = syllabus;
  moved.status = status;
  moved.version = syllabus.version + 1;
  moved.updated = {now, who};
  return moved;
}

Error not_ready(std::vector<FieldError> errors) {
  const std::string count = std::to_string(errors.size());
  Error error(platform::core::ErrorCode::kInvalidArgument,
              "the syllabus is not ready to publish: " + count +
                  (errors.size() == 1 ? " problem" : " problems"));
  error.with_field_errors(std::move(errors));
  return error;
}

}  // namespace

Result<Syllabus> submit(const Syllabus& syllabus, const std::string& who, Timestamp now) {
  if (syllabus.status != Status::kDraft)
    return Error::failed_precondition(describe(syllabus) + ": only a draft can be submitted");
  if (auto check = check_publishable(syllabus); !check.publishable())
    return not_ready(std::move(check.errors));
  Syllabus submitted = moved_to(syllabus, Status::kInReview, who, now);
  submitted.submitted = Stamp{now, who};
  return submitted;
}

Result<Syllabus> publish(const Syllabus& syllabus, PublishPolicy policy, const std::string& who,
                         Timestamp now) {
  if (syllabus.status == Status::kDraft && policy.review_required)
    return Error::failed_precondition(describe(syllabus) +
                                      " and publishing needs a review: submit it first");
  if (syllabus.status != Status::kDraft && syllabus.status != Status::kInReview)
    return Error::failed_precondition(describe(syllabus) +
                                      ": only a revision in review (or a draft, when review is "
                                      "not required) can be published");
  if (auto check = check_publishable(syllabus); !check.publishable())
    return not_ready(std::move(check.errors));
  Syllabus published = moved_to(syllabus, Status::kPublished, who, now);
  published.published = Stamp{now, who};
  return published;
}

Result<Syllabus> reject(const Syllabus& syllabus, std::string_view comment, const std::string& who,
                        Timestamp now) {
  if (syllabus.status != Status::kInReview)
    return Error::failed_precondition(describe(syllabus) +
                                      ": only a revision in review can be rejected");
  const std::string_view trimmed = platform::core::trim(comment);
  if (trimmed.empty()) return Error::invalid_argument("comment", "is required to reject");
  std::vector<FieldError> errors;
  check_text(trimmed, "comment", kReviewCommentMaxLength, Blank::kRefused, Lines::kMany, errors);
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  Syllabus rejected = moved_to(syllabus, Status::kDraft, who, now);
  rejected.review_comment = std::string(trimmed);
  rejected.rejected = Stamp{now, who};
  return rejected;
}

Result<Syllabus> archive(const Syllabus& syllabus, const std::string& who, Timestamp now) {
  if (syllabus.status == Status::kSuperseded || syllabus.status == Status::kArchived)
    return Error::failed_precondition(
        describe(syllabus) +
        ": only a draft, a revision in review or a published one can be archived");
  Syllabus archived = moved_to(syllabus, Status::kArchived, who, now);
  archived.archived = Stamp{now, who};
  return archived;
}

Result<Syllabus> supersede(const Syllabus& syllabus, const std::string& who, Timestamp now) {
  if (syllabus.status != Status::kPublished)
    return Error::failed_precondition(describe(syllabus) +
                                      ": only a published revision can be superseded");
  Syllabus superseded = moved_to(syllabus, Status::kSuperseded, who, now);
  superseded.superseded = Stamp{now, who};
  return superseded;
}

Result<Syllabus> open_revision(const Syllabus& published, const std::string& who, Timestamp now) {
  if (published.status != Status::kPublished)
    return Error::failed_precondition(describe(published) +
                                      ": a new revision opens only from the published one");
  Syllabus next = fresh_draft(published, who, now);
  next.revision = published.revision + 1;
  next.parent_revision = published.revision;
  return next;
}

Result<Syllabus> copy_forward(const Syllabus& from, const Uuid& new_id,
                              std::string_view new_academic_year, Term new_term,
                              const std::string& who, Timestamp now) {
  if (!is_academic_year(new_academic_year))
    return Error::invalid_argument("academic_year",
                                   "must be two consecutive years such as \"2026/2027\"");
  if (new_academic_year == from.academic_year && new_term == from.term)
    return Error::invalid_fields(
        {{"academic_year", "must differ from the source's, or the term must"},
         {"term", "must differ from the source's, or the academic year must"}});
  Syllabus copy = fresh_draft(from, who, now);
  copy.id = new_id;
  copy.academic_year = std::string(new_academic_year);
  copy.term = new_term;
  copy.revision = 1;
  copy.parent_revision.reset();
  return copy;
}

std::vector<std::string> diff(const Syllabus& from, const Syllabus& to) {
  std::vector<std::string> fields;
  const auto compare = [&](bool same, const char* field) {
    if (!same) fields.emplace_back(field);
  };
  compare(from.subject_id == to.subject_id, "subject_id");
  compare(from.academic_year == to.academic_year, "academic_year");
  compare(from.term == to.term, "term");
  compare(from.title == to.title, "title");
  compare(from.summary == to.summary, "summary");
  compare(from.languages == to.languages, "languages");
  compare(from.ects_credits == to.ects_credits, "ects_credits");
  compare(from.teaching_mode == to.teaching_mode, "teaching_mode");
  compare(from.workload == to.workload, "workload");
  compare(from.learning_outcomes == to.learning_outcomes, "learning_outcomes");
  compare(from.prerequisites == to.prerequisites, "prerequisites");
  compare(from.schedule == to.schedule, "schedule");
  compare(from.assessments == to.assessments, "assessments");
  compare(from.readings == to.readings, "readings");
  compare(from.instructors == to.instructors, "instructors");
  compare(from.attachments == to.attachments, "attachments");
  compare(from.body == to.body, "body");
  compare(from.visibility == to.visibility, "visibility");
  return fields;
}

}  // namespace syllabus_service::domain
