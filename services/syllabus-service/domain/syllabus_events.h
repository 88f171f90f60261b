// What happened to syllabi: past-tense facts the service publishes for others.
// Wire types (the infrastructure's event mapper, still to come): syllabus.created.v1,
// syllabus.updated.v1, syllabus.submitted.v1, syllabus.published.v1,
// syllabus.archived.v1, syllabus.deleted.v1. Changes within a version are additive only.
//
// Which transition tells which fact:
//   new_syllabus, copy_forward, open_revision -> SyllabusCreated (of that revision)
//   apply, reject                             -> SyllabusUpdated (reject: status and
//                                                review_comment among changed_fields)
//   submit -> SyllabusSubmitted; publish (+ supersede of the previous revision) ->
//   SyllabusPublished; archive -> SyllabusArchived; deleting -> SyllabusDeleted.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/syllabus.h"

namespace syllabus_service::domain {

struct SyllabusCreated {
  Syllabus syllabus;  // revision 1 of a new syllabus, or a syllabus's next revision
};

struct SyllabusUpdated {
  Syllabus syllabus;                        // the new state, at its new version
  std::vector<std::string> changed_fields;  // changed_fields(before, after)
};

struct SyllabusSubmitted {
  Syllabus syllabus;  // in review
};

struct SyllabusPublished {
  Syllabus syllabus;                                // the published revision
  std::optional<std::int64_t> superseded_revision;  // the revision it replaced, if any
};

struct SyllabusArchived {
  Syllabus syllabus;
};

struct SyllabusDeleted {
  Syllabus syllabus;  // the last state before deletion
  platform::core::Timestamp deleted_at;
};

using SyllabusEvent = std::variant<SyllabusCreated, SyllabusUpdated, SyllabusSubmitted,
                                   SyllabusPublished, SyllabusArchived, SyllabusDeleted>;

// The fields whose values differ between `before` and `after`: diff()'s content fields,
// then "status" and "review_comment" when those changed.
std::vector<std::string> changed_fields(const Syllabus& before, const Syllabus& after);

}  // namespace syllabus_service::domain
