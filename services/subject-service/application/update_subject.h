// UpdateSubjectCommand and its handler: a merge patch of a subject, with its
// subject.updated event (optimistic concurrency, If-Match).
//
//   UpdateSubjectHandler update(repository, clock);
//   Result<Subject> subject = update.handle({.id = id, .changes = changes});
#pragma once

#include <optional>

#include "application/clock.h"
#include "application/subject_repository.h"

namespace subject_service::application {

struct UpdateSubjectCommand {
  platform::core::Uuid id;
  domain::SubjectDraft changes;
  std::optional<std::int64_t> expected_version;  // from If-Match
  EventOrigin origin;
};

class UpdateSubjectHandler {
 public:
  UpdateSubjectHandler(SubjectRepository& repository, Clock clock);
  // kNotFound, kInvalidArgument, kVersionMismatch (If-Match), kAlreadyExists (code).
  // A change that changes nothing keeps the version.
  platform::core::Result<domain::Subject> handle(const UpdateSubjectCommand& command);

 private:
  SubjectRepository& repository_;
  Clock clock_;
};

}  // namespace subject_service::application
