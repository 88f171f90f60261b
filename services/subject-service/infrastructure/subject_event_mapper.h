// Subject events on the wire: CloudEvents envelopes on the "events.subject" stream.
// Their JSON Schemas are contracts/events/subject.*.v1.json; a test keeps them true.
#pragma once

#include "application/subject_repository.h"
#include "platform/events/event.h"

namespace subject_service::infrastructure {

inline constexpr const char* kSubjectStream = "events.subject";
inline constexpr const char* kEventSource = "/subject-service";

platform::events::Event to_event(const application::Change& change);

}  // namespace subject_service::infrastructure
