// The Syllabus: one per (subject, academic year, term), kept as numbered revisions, and
// its rules: the shape of a draft, what publishing needs, and the lifecycle of a revision:
//
//   draft -> in_review (submit) -> published (publish) -> superseded (supersede)
//   in_review -> draft (reject); draft -> published (publish, when review is not required)
//   draft | in_review | published -> archived (archive)
//   published -> the next revision, a draft (open_revision); published revisions never change
//
//   SyllabusDraft draft{.subject_id = subject, .academic_year = "2026/2027",
//                       .term = Term::kAutumn, .title = "Programming I"};
//   Result<Syllabus> created = new_syllabus(id, draft, user, now);   // revision 1, draft
//   Result<Syllabus> changed = apply(*created, {.summary = "..."}, user, now);
//   PublishCheck check = check_publishable(*changed);                 // every problem at once
//   Result<Syllabus> sent = submit(*changed, user, now);              // -> in_review
//   Result<Syllabus> out = publish(*sent, {}, reviewer, now);         // -> published
//   Result<Syllabus> next = open_revision(*out, user, now);           // revision 2, draft
//
// Standard library and platform::core only: no database, no HTTP, no JSON. References to
// other services' resources (the subject exists, the files exist) are the application
// layer's to check; here only the flags that their events set are looked at.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/core/time.h"
#include "platform/core/uuid.h"

namespace syllabus_service::domain {

// Lengths count characters (code points) unless they say bytes.
inline constexpr std::size_t kTitleMaxLength = 200;
inline constexpr std::size_t kSummaryMaxLength = 2000;
inline constexpr std::size_t kLanguagesMax = 10;
inline constexpr std::int64_t kEctsTenthsMax = 600;  // 60 credits
inline constexpr std::int64_t kWorkloadHoursMax = 2000;
inline constexpr std::size_t kOutcomeCodeMaxLength = 20;
inline constexpr std::size_t kOutcomeStatementMaxLength = 5000;
inline constexpr std::size_t kLearningOutcomesMax = 250;
inline constexpr std::size_t kPrerequisiteTextMaxLength = 1000;
inline constexpr std::size_t kPrerequisitesMax = 50;
inline constexpr std::int64_t kWeekMax = 60;
inline constexpr std::size_t kSectionTitleMaxLength = 200;
inline constexpr std::size_t kTopicMaxLength = 500;
inline constexpr std::size_t kTopicsPerSectionMax = 50;  // not in the issue: keeps a body bounded
inline constexpr std::size_t kScheduleSectionsMax = 100;
inline constexpr std::size_t kAssessmentNameMaxLength = 200;
inline constexpr std::int64_t kWeightPctMax = 100;
inline constexpr std::size_t kAssessmentsMax = 50;
inline constexpr std::size_t kReadingMaxLength = 1000;
inline constexpr std::size_t kReadingsMax = 100;
inline constexpr std::size_t kInstructorNameMaxLength = 200;
inline constexpr std::size_t kEmailMaxLength = 254;
inline constexpr std::size_t kInstructorsMax = 20;
inline constexpr std::size_t kAttachmentsMax = 50;
inline constexpr std::size_t kBodyMaxBytes = 102400;  // 100 kB of Markdown
inline constexpr std::size_t kReviewCommentMaxLength = 2000;

// Workload per ECTS credit: 25-30 hours is the norm; outside kWorkloadWarn{Min,Max} the
// publish check warns (it does not refuse).
inline constexpr double kWorkloadWarnMinHoursPerCredit = 20;
inline constexpr double kWorkloadWarnMaxHoursPerCredit = 35;

// The enumerations, each with its wire name ("full_year") and back. Parsing a name is
// the api layer's job (an unknown name is a field error there): the domain holds only
// values that exist.
enum class Term { kAutumn, kSpring, kSummer, kFullYear };
enum class TeachingMode { kInPerson, kDistant, kHybrid };
enum class AssessmentKind {
  kExam,
  kCoursework,
  kProject,
  kPresentation,
  kLab,
  kQuiz,
  kOral,
  kOther
};
enum class Session { kFirst, kResit };
enum class Visibility { kPublic, kAuthenticated };
enum class Status { kDraft, kInReview, kPublished, kSuperseded, kArchived };

std::string_view to_string(Term value);
std::string_view to_string(TeachingMode value);
std::string_view to_string(AssessmentKind value);
std::string_view to_string(Session value);
std::string_view to_string(Visibility value);
std::string_view to_string(Status value);
std::optional<Term> parse_term(std::string_view name);
std::optional<TeachingMode> parse_teaching_mode(std::string_view name);
std::optional<AssessmentKind> parse_assessment_kind(std::string_view name);
std::optional<Session> parse_session(std::string_view name);
std::optional<Visibility> parse_visibility(std::string_view name);
std::optional<Status> parse_status(std::string_view name);
// Every wire name of an enumeration, comma-separated, for messages: "autumn, spring, ...".
std::string names_of_terms();
std::string names_of_teaching_modes();
std::string names_of_assessment_kinds();
std::string names_of_sessions();
std::string names_of_visibilities();

// ECTS credits in tenths of a credit (7.5 credits = 75 tenths): exact to compare, sum
// and store as an integer; no ECTS scheme uses finer steps than a tenth.
struct EctsCredits {
  std::int64_t tenths = 0;

  // nullopt unless `credits` is finite and a whole number of tenths (7.5 yes, 7.55 no).
  // Values far outside 0-60 come back clamped but still out of range, for the rule to say.
  static std::optional<EctsCredits> from_number(double credits);
  double number() const { return static_cast<double>(tenths) / 10; }

  friend bool operator==(const EctsCredits&, const EctsCredits&) = default;
};

// Whole hours of each kind of work over the term.
struct Workload {
  std::int64_t lectures = 0;
  std::int64_t tutorials = 0;
  std::int64_t labs = 0;
  std::int64_t self_study = 0;

  std::int64_t total_hours() const { return lectures + tutorials + labs + self_study; }
  friend bool operator==(const Workload&, const Workload&) = default;
};

struct LearningOutcome {
  std::string code;  // 1-20 of A-Z a-z 0-9 . - _, unique within the syllabus
  std::string statement;

  friend bool operator==(const LearningOutcome&, const LearningOutcome&) = default;
};

struct Prerequisite {
  std::string text;
  std::optional<platform::core::Uuid> subject_id;  // when it is another subject

  friend bool operator==(const Prerequisite&, const Prerequisite&) = default;
};

struct ScheduleSection {
  std::int64_t week = 1;  // 1-60
  std::string title;
  std::vector<std::string> topics;

  friend bool operator==(const ScheduleSection&, const ScheduleSection&) = default;
};

struct Assessment {
  std::string name;
  AssessmentKind kind = AssessmentKind::kExam;
  Session session = Session::kFirst;
  std::int64_t weight_pct = 0;             // 0-100, of its session
  std::vector<std::string> outcome_codes;  // the learning outcomes it assesses

  friend bool operator==(const Assessment&, const Assessment&) = default;
};

struct Instructor {
  std::string name;
  std::optional<std::string> email;

  friend bool operator==(const Instructor&, const Instructor&) = default;
};

// Who did something, and when. `by` is the acting user's id.
struct Stamp {
  platform::core::Timestamp at;
  std::string by;

  friend bool operator==(const Stamp&, const Stamp&) = default;
};

// One revision of a syllabus. Fields a draft may leave unwritten are empty (text, lists)
// or nullopt (ects_credits, teaching_mode, workload).
struct Syllabus {
  platform::core::Uuid id;  // the syllabus: every revision of it shares the id
  // Identity: one syllabus per (subject_id, academic_year, term).
  platform::core::Uuid subject_id;
  std::string academic_year;  // "2026/2027"
  Term term = Term::kAutumn;
  std::int64_t revision = 1;
  std::optional<std::int64_t> parent_revision;  // the revision this one was opened from
  Status status = Status::kDraft;

  // Content.
  std::string title;
  std::string summary;
  std::vector<std::string> languages;  // ISO 639-1: "en", "cs"
  std::optional<EctsCredits> ects_credits;
  std::optional<TeachingMode> teaching_mode;
  std::optional<Workload> workload;
  std::vector<LearningOutcome> learning_outcomes;  // in the author's order
  std::vector<Prerequisite> prerequisites;
  std::vector<ScheduleSection> schedule;  // in the author's order
  std::vector<Assessment> assessments;
  std::vector<std::string> readings;
  std::vector<Instructor> instructors;
  std::vector<platform::core::Uuid> attachments;  // file ids
  std::string body;                               // Markdown
  Visibility visibility = Visibility::kAuthenticated;

  // Set from other services' events, not by clients.
  bool subject_deleted = false;
  std::vector<platform::core::Uuid> flagged_attachments;  // attachments whose file was deleted

  std::string review_comment;  // the last rejection's reason; empty when never rejected

  std::int64_t version = 1;  // + 1 on every change and transition; the ETag
  Stamp created;
  Stamp updated;
  std::optional<Stamp> submitted;
  std::optional<Stamp> rejected;
  std::optional<Stamp> published;
  std::optional<Stamp> superseded;
  std::optional<Stamp> archived;

  friend bool operator==(const Syllabus&, const Syllabus&) = default;
};

// The writable fields; absent ones are left as they are (apply) or unwritten (create).
// Identity: subject_id, academic_year and term are required to create. A patch may
// change subject_id (only on a draft of a first revision: later revisions share their
// subject with a published revision); academic_year and term never change once created
// (copy_forward makes the syllabus of another year or term): a patch naming another
// value is a field error, one repeating the current value is accepted.
struct SyllabusDraft {
  std::optional<platform::core::Uuid> subject_id;
  std::optional<std::string> academic_year;
  std::optional<Term> term;
  std::optional<std::string> title;
  std::optional<std::string> summary;
  std::optional<std::vector<std::string>> languages;
  std::optional<EctsCredits> ects_credits;
  std::optional<TeachingMode> teaching_mode;
  std::optional<Workload> workload;
  std::optional<std::vector<LearningOutcome>> learning_outcomes;
  std::optional<std::vector<Prerequisite>> prerequisites;
  std::optional<std::vector<ScheduleSection>> schedule;
  std::optional<std::vector<Assessment>> assessments;
  std::optional<std::vector<std::string>> readings;
  std::optional<std::vector<Instructor>> instructors;
  std::optional<std::vector<platform::core::Uuid>> attachments;
  std::optional<std::string> body;
  std::optional<Visibility> visibility;

  friend bool operator==(const SyllabusDraft&, const SyllabusDraft&) = default;
};

// Every shape rule that a present field breaks (lengths, ranges, formats, counts,
// duplicates), one FieldError per problem, with the path of the value:
// "learning_outcomes[2].code", "schedule[3].topics[1]". Absent fields are fine: a draft
// may be incomplete. A list over its maximum count gets one error for the list and its
// items are not looked at. Text may be empty (not written yet); list items may not.
std::vector<platform::core::FieldError> validate_draft(const SyllabusDraft& draft);

// "2026/2027": two four-digit years, the second one after the first.
bool is_academic_year(std::string_view text);

// The draft's content as it stands in `syllabus` (every field present).
SyllabusDraft to_draft(const Syllabus& syllabus);

// Revision 1 of a new syllabus, a draft at version 1, created and updated by `who` at
// `now`. kInvalidArgument with every field error when the identity is missing or the
// draft breaks a rule.
platform::core::Result<Syllabus> new_syllabus(const platform::core::Uuid& id,
                                              const SyllabusDraft& draft, const std::string& who,
                                              platform::core::Timestamp now);

// `syllabus` with the patch's present fields applied, version + 1, updated by `who` at
// `now`. kFailedPrecondition when the revision is published, superseded or archived
// (immutable); kInvalidArgument with every field error when the patch breaks a rule or
// changes the academic year or term (or the subject, outside a first-revision draft).
platform::core::Result<Syllabus> apply(const Syllabus& syllabus, const SyllabusDraft& patch,
                                       const std::string& who, platform::core::Timestamp now);

// True when applying the patch would change no field.
bool changes_nothing(const Syllabus& syllabus, const SyllabusDraft& patch);

// kVersionMismatch unless `expected` (a request's If-Match) is absent or the version.
platform::core::Result<void> check_version(const Syllabus& syllabus,
                                           std::optional<std::int64_t> expected);

// What publishing needs, all problems at once. Errors block submit and publish;
// warnings do not. Required to publish:
//   title and summary (not blank), languages (>= 1), ects_credits, teaching_mode,
//   workload (total > 0 hours), schedule (>= 1 section), learning_outcomes (>= 1),
//   assessments (>= 1), instructors (>= 1). body is optional (the summary is the
//   required text; the body is the long form).
// Consistency: outcome codes unique; every outcome assessed by some assessment; every
// assessment's outcome code names an outcome; the first session's weights sum to 100;
// a resit session, when it has any assessment, sums to 100 too; the subject and the
// attachments not deleted (the flags set from events).
// Warning: workload hours per credit outside 20-35 (the norm is 25-30).
struct PublishCheck {
  std::vector<platform::core::FieldError> errors;
  std::vector<platform::core::FieldError> warnings;

  bool publishable() const { return errors.empty(); }
};
PublishCheck check_publishable(const Syllabus& syllabus);

// Lifecycle. Each transition returns the revision in its new status at version + 1,
// updated (and its own stamp) by `who` at `now`; kFailedPrecondition, with a sentence
// saying why, when the status does not allow it.

// draft -> in_review. kInvalidArgument with check_publishable's errors when it has any:
// a reviewer only gets a complete syllabus.
platform::core::Result<Syllabus> submit(const Syllabus& syllabus, const std::string& who,
                                        platform::core::Timestamp now);

struct PublishPolicy {
  bool review_required = true;  // false: a draft may be published without review
};
// in_review -> published; draft -> published only when review is not required.
// kInvalidArgument with check_publishable's errors when it has any. Superseding the
// previously published revision is the caller's next step (supersede).
platform::core::Result<Syllabus> publish(const Syllabus& syllabus, PublishPolicy policy,
                                         const std::string& who, platform::core::Timestamp now);

// in_review -> draft, keeping the reviewer's `comment` (1-2000 characters, required:
// kInvalidArgument on "comment" otherwise) as review_comment.
platform::core::Result<Syllabus> reject(const Syllabus& syllabus, std::string_view comment,
                                        const std::string& who, platform::core::Timestamp now);

// draft, in_review or published -> archived.
platform::core::Result<Syllabus> archive(const Syllabus& syllabus, const std::string& who,
                                         platform::core::Timestamp now);

// published -> superseded, when a newer revision is published.
platform::core::Result<Syllabus> supersede(const Syllabus& syllabus, const std::string& who,
                                           platform::core::Timestamp now);

// From a published revision: the next revision (revision + 1, parent_revision = this
// revision), a draft at version 1 with the same content and a new audit trail.
platform::core::Result<Syllabus> open_revision(const Syllabus& published, const std::string& who,
                                               platform::core::Timestamp now);

// A new syllabus `new_id` for another academic year and/or term: revision 1, a draft at
// version 1, with the same subject and content (outcomes and schedule included), a new
// audit trail and no parent. kInvalidArgument when the year is malformed or both year
// and term are the source's.
platform::core::Result<Syllabus> copy_forward(const Syllabus& from,
                                              const platform::core::Uuid& new_id,
                                              std::string_view new_academic_year, Term new_term,
                                              const std::string& who,
                                              platform::core::Timestamp now);

// The fields whose values differ, in field order, by their wire names: the identity
// (subject_id, academic_year, term) and the content (title ... visibility). Lists count
// as one field. Status, revision, version, flags, review comment and audit are not
// compared (the events' changed_fields adds status and review_comment). The api layer
// renders the values.
std::vector<std::string> diff(const Syllabus& from, const Syllabus& to);

}  // namespace syllabus_service::domain
