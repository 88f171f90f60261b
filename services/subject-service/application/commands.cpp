#include "application/commands.h"

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

UpdateSubjectHandler::UpdateSubjectHandler(SubjectRepository& repository, Clock clock)
    : repository_(repository), clock_(std::move(clock)) {}

Result<domain::Subject> UpdateSubjectHandler::handle(const UpdateSubjectCommand& command) {
  if (auto errors = domain::validate(command.changes, domain::Completeness::kPartial);
      !errors.empty())
    return Error::invalid_fields(std::move(errors));

  // Optimistic concurrency: read, change, store if nobody changed it meanwhile. Without
  // If-Match a concurrent change is not the client's concern, so try again a few times.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto current = repository_.find(command.id);
    if (!current) return std::move(current).error();
    if (command.expected_version && *command.expected_version != current->version)
      return Error::version_mismatch("subject is at version " + std::to_string(current->version) +
                                     ", not " + std::to_string(*command.expected_version));
    if (domain::changes_nothing(*current, command.changes)) return std::move(current).value();

    domain::Subject changed = domain::apply(*current, command.changes, clock_());
    const Change change{domain::SubjectUpdated{changed, domain::changed_fields(*current, changed)},
                        command.origin};
    auto stored = repository_.update(changed, current->version, change);
    if (stored) return changed;
    const bool lost_race = stored.error().code() == platform::core::ErrorCode::kVersionMismatch;
    if (!lost_race || command.expected_version || attempt == kAttempts)
      return std::move(stored).error();
  }
}

DeleteSubjectHandler::DeleteSubjectHandler(SubjectRepository& repository, Clock clock)
    : repository_(repository), clock_(std::move(clock)) {}

Result<void> DeleteSubjectHandler::handle(const DeleteSubjectCommand& command) {
  // Like an update: the event describes the state that was deleted, so read it, then
  // delete only that version; without If-Match a concurrent change means read again.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto current = repository_.find(command.id);
    if (!current) return std::move(current).error();
    if (command.expected_version && *command.expected_version != current->version)
      return Error::version_mismatch("subject is at version " + std::to_string(current->version) +
                                     ", not " + std::to_string(*command.expected_version));
    const Change change{domain::SubjectDeleted{*current, clock_()}, command.origin};
    auto removed = repository_.remove(command.id, current->version, change);
    if (removed) return removed;
    const bool lost_race = removed.error().code() == platform::core::ErrorCode::kVersionMismatch;
    if (!lost_race || command.expected_version || attempt == kAttempts) return removed;
  }
}

}  // namespace subject_service::application
