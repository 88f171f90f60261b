// The subject-service's commands (writes), one handler each.
//
//   CreateSubjectHandler create(repository, clock);
//   Result<Subject> subject = create.handle({.draft = draft});
#pragma once

#include <functional>
#include <optional>

#include "application/subject_repository.h"

namespace subject_service::application {

using Clock = std::function<platform::core::Timestamp()>;
using IdGenerator = std::function<platform::core::Uuid()>;

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
