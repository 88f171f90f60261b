// Answering a Range request header (RFC 9110 14.2) for content of a known size.
//
//   RangeDecision decision = decide_range(request.header("Range"), file.size);
//   switch (decision.outcome) {
//     case RangeOutcome::kFull:          // 200 with the whole content
//     case RangeOutcome::kPartial:       // 206, Content-Range: content_range(range, size)
//     case RangeOutcome::kUnsatisfiable: // 416, Content-Range: unsatisfied_content_range(size)
//   }
//
// Decisions:
// - Only the "bytes" unit (any case) is understood. A header in another unit, or one
//   that does not parse (b < a, signs, junk), is ignored: a full 200, as RFC 9110 asks.
// - "a-b" with b at or past the end is cut to the last byte; "-n" longer than the
//   content is the whole content (but still a 206).
// - Unsatisfiable (416) when no range in the set selects a byte: a first byte at or past
//   the end, a suffix of 0, any range of an empty content.
// - Several ranges are not answered as multipart/byteranges (hardly any client needs it
//   and it is a known amplification vector). Ranges that overlap or touch coalesce; if
//   that leaves one, it is served as a 206, else the whole content as a 200, which RFC
//   9110 allows (a server may ignore Range). A set of more than 100 ranges is ignored.
// - Whitespace around "=" and around the commas is allowed; a missing or empty header
//   means the whole content.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace file_service::api {

// Bytes [first, last] of the content, both inclusive as in Content-Range.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;

  std::uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

enum class RangeOutcome { kFull, kPartial, kUnsatisfiable };

struct RangeDecision {
  RangeOutcome outcome = RangeOutcome::kFull;
  ByteRange range;  // set for kPartial

  friend bool operator==(const RangeDecision&, const RangeDecision&) = default;
};

inline constexpr std::size_t kMaxRanges = 100;

RangeDecision decide_range(std::optional<std::string_view> header, std::uint64_t size);

// The Content-Range value of a 206: "bytes 0-99/1000".
std::string content_range(const ByteRange& range, std::uint64_t size);
// The Content-Range value of a 416: "bytes */1000".
std::string unsatisfied_content_range(std::uint64_t size);

}  // namespace file_service::api
