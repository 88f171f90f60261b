// The syllabus-service's commands and their handler: each loads what it changes, applies
// the domain's rule, checks the references it needs, and stores the change with its
// event in one transaction.
//
//   SyllabusCommands commands(repository, references, clock, ids, {.review_required = true});
//   Result<Syllabus> created = commands.create({.draft = draft, .who = user, ...});
//   Result<Syllabus> published = commands.publish({.id = id, .who = user, ...});
//
// Errors: kInvalidArgument with every field problem (422; a missing subject or file is a
// field problem too), kNotFound, kAlreadyExists (the identity is taken: 409),
// kFailedPrecondition (the status forbids it, or another publish won: 409),
// kVersionMismatch (If-Match: 412), kUnavailable (a peer that must be asked is down and
// nothing local knows the answer: 503 with Retry-After).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "application/clock.h"
#include "application/references.h"
#include "application/syllabus_repository.h"
#include "domain/syllabus.h"

namespace syllabus_service::application {

// What every command carries besides its own fields.
struct Actor {
  std::string who;  // the gateway's X-User-ID; "anonymous" without one
  EventOrigin origin;
  CallContext context;
};

struct CreateSyllabusCommand {
  domain::SyllabusDraft draft;
  Actor actor;
};

struct UpdateSyllabusCommand {
  platform::core::Uuid id;
  domain::SyllabusDraft patch;
  std::optional<std::int64_t> expected_version;  // from If-Match
  Actor actor;
};

enum class Transition { kSubmit, kPublish, kReject, kArchive };

struct ChangeStatusCommand {
  platform::core::Uuid id;
  Transition transition = Transition::kSubmit;
  std::string comment;  // kReject: why
  std::optional<std::int64_t> expected_version;
  Actor actor;
};

struct OpenRevisionCommand {
  platform::core::Uuid id;
  Actor actor;
};

struct CopySyllabusCommand {
  platform::core::Uuid id;
  std::string academic_year;
  domain::Term term = domain::Term::kAutumn;
  Actor actor;
};

struct DeleteSyllabusCommand {
  platform::core::Uuid id;
  std::optional<std::int64_t> expected_version;
  Actor actor;
};

class SyllabusCommands {
 public:
  SyllabusCommands(SyllabusRepository& repository, References& references, Clock clock,
                   IdGenerator ids, domain::PublishPolicy policy);

  platform::core::Result<domain::Syllabus> create(const CreateSyllabusCommand& command);
  // Changes the open revision (draft or in_review). A published revision is immutable
  // (409): open a new revision first.
  platform::core::Result<domain::Syllabus> update(const UpdateSyllabusCommand& command);
  // Publishing supersedes the previously published revision in the same transaction;
  // the answer of a refused publish lists every problem (and warnings stay warnings).
  platform::core::Result<domain::Syllabus> change_status(const ChangeStatusCommand& command);
  // A new draft revision from the published one, which stays served meanwhile.
  platform::core::Result<domain::Syllabus> open_revision(const OpenRevisionCommand& command);
  // The syllabus's working revision copied to another year or term, as a new draft.
  platform::core::Result<domain::Syllabus> copy(const CopySyllabusCommand& command);
  platform::core::Result<void> remove(const DeleteSyllabusCommand& command);

  // The warnings of the last publish check a result came with are in PublishCheck;
  // callers that want them ask here (the API puts them in the answer).
  static domain::PublishCheck publish_check(const domain::Syllabus& syllabus) {
    return domain::check_publishable(syllabus);
  }

 private:
  // Field errors for references that do not exist: the subject (when `check_subject`)
  // and the given attachments. kUnavailable when an owner cannot be asked.
  // A command without If-Match that lost a race with another writer is the writer's
  // business, not the client's: it runs again on the new state (a few times at most).
  template <typename Run>
  auto retrying_races(const std::optional<std::int64_t>& expected_version, Run&& run)
      -> decltype(run());
  platform::core::Result<domain::Syllabus> update_once(const UpdateSyllabusCommand& command);
  platform::core::Result<domain::Syllabus> change_status_once(const ChangeStatusCommand& command);

  platform::core::Result<std::vector<platform::core::FieldError>> missing_references(
      const domain::Syllabus& syllabus, bool check_subject,
      const std::vector<platform::core::Uuid>& attachments, const CallContext& context);

  SyllabusRepository& repository_;
  References& references_;
  Clock clock_;
  IdGenerator ids_;
  domain::PublishPolicy policy_;
};

}  // namespace syllabus_service::application
