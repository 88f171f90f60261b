// The port through which commands and queries reach stored subjects. Implemented by
// infrastructure/sql_subject_repository (SQLite and PostgreSQL) and by fakes in tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/subject.h"
#include "domain/subject_events.h"
#include "platform/core/result.h"

namespace subject_service::application {

struct SubjectFilter {
  std::size_t limit = 50;
  std::optional<platform::core::Uuid> after;  // keyset: only ids greater than this
  std::optional<std::string> department;      // exact match
  std::optional<std::string> text;            // case-insensitive substring of code or name
};

// The request that caused a change, carried into the events it produces.
struct EventOrigin {
  std::string traceparent;
  std::string correlation_id;  // the request's X-Request-ID
};

// A state change and the event that announces it: stored in one transaction, so an
// event is published if and only if its change committed.
struct Change {
  domain::SubjectEvent event;
  EventOrigin origin;
};

struct SubjectPage {
  std::vector<domain::Subject> items;
  bool has_more = false;  // another page follows the last item
};

class SubjectRepository {
 public:
  virtual ~SubjectRepository() = default;

  // kAlreadyExists when the code is taken.
  virtual platform::core::Result<void> insert(const domain::Subject& subject,
                                              const Change& change) = 0;
  // kNotFound when absent.
  virtual platform::core::Result<domain::Subject> find(const platform::core::Uuid& id) = 0;
  // Stores `subject` if the stored version is still `expected_version`: kNotFound when
  // gone, kVersionMismatch when someone else changed it, kAlreadyExists when the new
  // code is taken.
  virtual platform::core::Result<void> update(const domain::Subject& subject,
                                              std::int64_t expected_version,
                                              const Change& change) = 0;
  // Deletes the subject if it is still at `expected_version`: kNotFound when gone,
  // kVersionMismatch when it changed meanwhile.
  virtual platform::core::Result<void> remove(const platform::core::Uuid& id,
                                              std::int64_t expected_version,
                                              const Change& change) = 0;
  // Subjects in id order (creation order: ids are UUIDv7).
  virtual platform::core::Result<SubjectPage> list(const SubjectFilter& filter) = 0;
};

}  // namespace subject_service::application
