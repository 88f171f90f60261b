#include "application/update_subject.h"

namespace subject_service::application {

using platform::core::Error;
using platform::core::Result;

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
    if (auto matches = domain::check_version(*current, command.expected_version); !matches)
      return std::move(matches).error();
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

}  // namespace subject_service::application
