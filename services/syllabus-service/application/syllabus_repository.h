// The port through which commands and queries reach stored syllabi and their revisions.
// Implemented by infrastructure/sql_syllabus_repository (SQLite and PostgreSQL) and by
// fakes in tests.
//
// A syllabus is a set of numbered revisions sharing one id and one identity (subject,
// academic year, term; unique across syllabi). The store keeps two rules whatever the
// callers do at once: at most one published revision per syllabus, and at most one open
// revision (draft or in_review) per syllabus.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/syllabus.h"
#include "domain/syllabus_events.h"
#include "platform/core/result.h"

namespace syllabus_service::application {

// The request that caused a change, carried into the events it produces.
struct EventOrigin {
  std::string traceparent;
  std::string correlation_id;  // the request's X-Request-ID
};

// A state change and the event that announces it: stored in one transaction.
struct Change {
  domain::SyllabusEvent event;
  EventOrigin origin;
};

// One revision to store, if the stored one is still at `expected_version` (nullopt: a
// new revision, inserted).
struct RevisionWrite {
  domain::Syllabus revision;
  std::optional<std::int64_t> expected_version;
};

struct SyllabusFilter {
  std::size_t limit = 50;
  std::optional<platform::core::Uuid> subject_id;
  std::optional<std::string> academic_year;
  std::optional<domain::Term> term;
  std::optional<domain::Status> status;  // of the working revision
  // Full-text search over title, summary, body and learning outcomes, ranked (SQLite
  // FTS5, PostgreSQL tsvector). Without it, the order is by syllabus id.
  std::optional<std::string> text;
  // Keyset paging: the cursor the previous page ended with (opaque to callers).
  std::optional<std::string> after;
};

struct SyllabusPage {
  std::vector<domain::Syllabus> items;  // each syllabus's working revision
  std::optional<std::string> next;      // the cursor of the next page, if there is one
};

class SyllabusRepository {
 public:
  virtual ~SyllabusRepository() = default;

  // Revision 1 of a new syllabus. kAlreadyExists when another syllabus has the same
  // subject, academic year and term.
  virtual platform::core::Result<void> create(const domain::Syllabus& first,
                                              const Change& change) = 0;
  // Stores the writes in one transaction with the change's event: updates (each at its
  // expected version) and new revisions. kVersionMismatch when a stored revision moved
  // on; kNotFound when it is gone; kFailedPrecondition when a rule of the store would
  // break (a second published or open revision: two publishes racing); kAlreadyExists
  // when a changed subject makes the identity collide.
  virtual platform::core::Result<void> write(const std::vector<RevisionWrite>& writes,
                                             const Change& change) = 0;
  // Deletes the syllabus and all its revisions if its working revision is still at
  // `expected_version`.
  virtual platform::core::Result<void> remove(const platform::core::Uuid& id,
                                              std::int64_t expected_version,
                                              const Change& change) = 0;

  // The open revision (draft or in_review), else the published one, else the latest.
  // kNotFound when the syllabus does not exist.
  virtual platform::core::Result<domain::Syllabus> working(const platform::core::Uuid& id) = 0;
  // Which revision is the working one and its version: what a cache compares with to know
  // whether what it holds is still right, more cheaply than loading it.
  struct RevisionStamp {
    std::int64_t revision = 0;
    std::int64_t version = 0;
    friend bool operator==(const RevisionStamp&, const RevisionStamp&) = default;
  };
  virtual platform::core::Result<RevisionStamp> working_stamp(const platform::core::Uuid& id) {
    auto syllabus = working(id);
    if (!syllabus) return std::move(syllabus).error();
    return RevisionStamp{syllabus->revision, syllabus->version};
  }
  // The working revision if the store holds it in memory (a cache), without blocking;
  // nullopt otherwise (then ask working()).
  virtual std::shared_ptr<const domain::Syllabus> working_in_memory(
      const platform::core::Uuid& /*id*/) {
    return nullptr;
  }
  // kNotFound when the syllabus or that revision does not exist.
  virtual platform::core::Result<domain::Syllabus> revision(const platform::core::Uuid& id,
                                                            std::int64_t revision) = 0;
  // kNotFound when the syllabus has no published revision.
  virtual platform::core::Result<domain::Syllabus> published(const platform::core::Uuid& id) = 0;
  // Every revision, oldest first. kNotFound when the syllabus does not exist.
  virtual platform::core::Result<std::vector<domain::Syllabus>> revisions(
      const platform::core::Uuid& id) = 0;
  virtual platform::core::Result<SyllabusPage> list(const SyllabusFilter& filter) = 0;

  // For the effects of other services' events: the open and published revisions of
  // every syllabus of a subject, and of every syllabus that attaches a file.
  virtual platform::core::Result<std::vector<domain::Syllabus>> live_revisions_of_subject(
      const platform::core::Uuid& subject_id) = 0;
  virtual platform::core::Result<std::vector<domain::Syllabus>> live_revisions_attaching(
      const platform::core::Uuid& file_id) = 0;
};

}  // namespace syllabus_service::application
