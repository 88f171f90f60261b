// CreateSubjectCommand and its handler: a new subject, with its subject.created event.
//
//   CreateSubjectHandler create(repository, clock, new_id);
//   Result<Subject> subject = create.handle({.draft = draft, .origin = origin});
#pragma once

#include "application/clock.h"
#include "application/subject_repository.h"

namespace subject_service::application {

struct CreateSubjectCommand {
  domain::SubjectDraft draft;
  EventOrigin origin;
};

class CreateSubjectHandler {
 public:
  CreateSubjectHandler(SubjectRepository& repository, Clock clock, IdGenerator ids);
  // kInvalidArgument with every bad field; kAlreadyExists when the code is taken.
  platform::core::Result<domain::Subject> handle(const CreateSubjectCommand& command);

 private:
  SubjectRepository& repository_;
  Clock clock_;
  IdGenerator ids_;
};

}  // namespace subject_service::application
