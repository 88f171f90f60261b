// The fields of a dead-letter entry, written by the consumer and read by the operator
// tools: one list so that both sides agree.
#pragma once

namespace platform::events::dead_letter_fields {

inline constexpr const char* kEvent = "event";  // the envelope as received (maybe unparsable)
inline constexpr const char* kType = "type";    // the event's type, when it parsed
inline constexpr const char* kEventId = "id";   // the event's id, when it parsed
inline constexpr const char* kError = "error";  // the last failure
inline constexpr const char* kAttempts = "attempts";
inline constexpr const char* kGroup = "group";             // the consumer group that gave up
inline constexpr const char* kFailedAt = "failed_at";      // RFC 3339
inline constexpr const char* kOriginalId = "original_id";  // the entry id in the source stream

}  // namespace platform::events::dead_letter_fields
