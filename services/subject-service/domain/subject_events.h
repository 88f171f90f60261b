// What happened to subjects: past-tense facts the service publishes for others.
// Wire types (infrastructure/subject_event_mapper): subject.created.v1,
// subject.updated.v1, subject.deleted.v1. Changes within a version are additive only.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "domain/subject.h"

namespace subject_service::domain {

struct SubjectCreated {
  Subject subject;
};

struct SubjectUpdated {
  Subject subject;                          // the new state, at its new version
  std::vector<std::string> changed_fields;  // in field order: "code", "name", ...
};

struct SubjectDeleted {
  Subject subject;  // the last state before deletion
  platform::core::Timestamp deleted_at;
};

using SubjectEvent = std::variant<SubjectCreated, SubjectUpdated, SubjectDeleted>;

// The fields whose values differ between `before` and `after`.
std::vector<std::string> changed_fields(const Subject& before, const Subject& after);

}  // namespace subject_service::domain
