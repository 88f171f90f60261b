// Syllabus events on the wire: CloudEvents envelopes on the "events.syllabus" stream,
// one per change, appended to the outbox in the change's transaction.
//
//   Event event = to_event(change);   // "syllabus.published.v1", subject = the syllabus id
//
// Every event's data names the revision it is about: id, revision, subject_id,
// academic_year, term, status, version and title; created adds parent_revision, updated
// changed_fields, published superseded_revision, deleted deleted_at. Their JSON Schemas
// are contracts/events/syllabus.*.v1.json; a test keeps them true.
#pragma once

#include "application/syllabus_repository.h"
#include "platform/events/event.h"

namespace syllabus_service::infrastructure {

inline constexpr const char* kSyllabusStream = "events.syllabus";
inline constexpr const char* kEventSource = "/syllabus-service";

platform::events::Event to_event(const application::Change& change);

}  // namespace syllabus_service::infrastructure
