// File events on the wire: CloudEvents envelopes on the "events.file" stream, with types
// file.uploaded.v1 and file.deleted.v1. Their JSON Schemas are
// contracts/events/file.*.v1.json; a test keeps them true.
#pragma once

#include "application/file_repository.h"
#include "platform/events/event.h"

namespace file_service::infrastructure {

inline constexpr const char* kFileStream = "events.file";
inline constexpr const char* kEventSource = "/file-service";

// The envelope for a change: type by event, subject = the file's id, data as in the
// contracts. The storage key is never included: it is how this service finds the bytes,
// not something other services may rely on.
platform::events::Event to_event(const application::Change& change);

}  // namespace file_service::infrastructure
