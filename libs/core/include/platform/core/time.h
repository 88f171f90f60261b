// RFC 3339 timestamps in UTC with microseconds, the one text form of time that
// the platform stores, sends and logs: "2026-11-24T20:01:28.123456Z".
//
//   Timestamp now = Clock::now();
//   std::string text = format_rfc3339(now);
//   std::optional<Timestamp> back = parse_rfc3339(text);
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace platform::core {

using Clock = std::chrono::system_clock;
using Timestamp = std::chrono::time_point<Clock, std::chrono::microseconds>;

Timestamp now_utc();
// Whole seconds since the Unix epoch (rounded towards zero): expiry times, file times.
inline std::int64_t unix_seconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
std::string format_rfc3339(Timestamp t);
// The same text appended to `out` (a log line's timestamp, with no string of its own).
void append_rfc3339(std::string& out, Timestamp t);
// The same written at `out`, which has room for kRfc3339Bytes; returns the end.
inline constexpr std::size_t kRfc3339Bytes = 27;  // "0000-00-00T00:00:00.000000Z"
char* write_rfc3339(char* out, Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)"; returns nullopt for anything else.
std::optional<Timestamp> parse_rfc3339(std::string_view text);

}  // namespace platform::core
