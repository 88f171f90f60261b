// DeleteSubjectCommand and its handler: removes a subject, with its subject.deleted event
// (If-Match honoured).
//
//   DeleteSubjectHandler remove(repository, clock);
//   Result<void> removed = remove.handle({.id = id});
#pragma once

#include <optional>

#include "application/clock.h"
#include "application/subject_repository.h"

namespace subject_service::application {

struct DeleteSubjectCommand {
  platform::core::Uuid id;
  std::optional<std::int64_t> expected_version;
  EventOrigin origin;
};

class DeleteSubjectHandler {
 public:
  DeleteSubjectHandler(SubjectRepository& repository, Clock clock);
  // kNotFound, kVersionMismatch.
  platform::core::Result<void> handle(const DeleteSubjectCommand& command);

 private:
  SubjectRepository& repository_;
  Clock clock_;
};

}  // namespace subject_service::application
