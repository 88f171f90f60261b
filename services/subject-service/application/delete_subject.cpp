#include "application/delete_subject.h"

namespace subject_service::application {

using platform::core::Result;

DeleteSubjectHandler::DeleteSubjectHandler(SubjectRepository& repository, Clock clock)
    : repository_(repository), clock_(std::move(clock)) {}

Result<void> DeleteSubjectHandler::handle(const DeleteSubjectCommand& command) {
  // Like an update: the event describes the state that was deleted, so read it, then
  // delete only that version; without If-Match a concurrent change means read again.
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    auto current = repository_.find(command.id);
    if (!current) return std::move(current).error();
    if (auto matches = domain::check_version(*current, command.expected_version); !matches)
      return matches;
    const Change change{domain::SubjectDeleted{*current, clock_()}, command.origin};
    auto removed = repository_.remove(command.id, current->version, change);
    if (removed) return removed;
    const bool lost_race = removed.error().code() == platform::core::ErrorCode::kVersionMismatch;
    if (!lost_race || command.expected_version || attempt == kAttempts) return removed;
  }
}

}  // namespace subject_service::application
