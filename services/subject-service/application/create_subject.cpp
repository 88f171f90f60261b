#include "application/create_subject.h"

namespace subject_service::application {

using platform::core::Error;
using platform::core::Result;

CreateSubjectHandler::CreateSubjectHandler(SubjectRepository& repository, Clock clock,
                                           IdGenerator ids)
    : repository_(repository), clock_(std::move(clock)), ids_(std::move(ids)) {}

Result<domain::Subject> CreateSubjectHandler::handle(const CreateSubjectCommand& command) {
  if (auto errors = domain::validate(command.draft, domain::Completeness::kAllRequired);
      !errors.empty())
    return Error::invalid_fields(std::move(errors));
  domain::Subject subject = domain::new_subject(ids_(), command.draft, clock_());
  if (auto stored = repository_.insert(subject, {domain::SubjectCreated{subject}, command.origin});
      !stored)
    return std::move(stored).error();
  return subject;
}

}  // namespace subject_service::application
