#include "platform/core/time.h"

#include <gtest/gtest.h>

#include <thread>

namespace platform::core {
namespace {

TEST(Rfc3339, FormatsUtcWithMicroseconds) {
  const auto t = parse_rfc3339("2026-11-24T20:01:28.123456Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_rfc3339(*t), "2026-11-24T20:01:28.123456Z");
}

TEST(Rfc3339, NormalisesOffsetsAndShortFractionsToUtc) {
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-11-24T21:01:28.5+01:00")),
            "2026-11-24T20:01:28.500000Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("2026-01-01T00:30:00-01:00")),
            "2026-01-01T01:30:00.000000Z");
}

TEST(Rfc3339, RoundTripsNow) {
  const Timestamp now = now_utc();
  EXPECT_EQ(*parse_rfc3339(format_rfc3339(now)), now);
}

TEST(Rfc3339, EachTimeIsWrittenWholeWhetherOrNotItsSecondWasTheLastOneWritten) {
  // The date and time of day are kept from one call to the next of the same second.
  const char* const texts[] = {"2026-11-24T20:01:28.123456Z", "2026-11-24T20:01:28.999999Z",
                               "1999-12-31T23:59:59.000001Z", "2026-11-24T20:01:28.000000Z",
                               "2026-11-24T20:01:29.000000Z", "1970-01-01T00:00:00.000000Z"};
  for (const char* text : texts) {
    std::string out = "ts=";
    append_rfc3339(out, *parse_rfc3339(text));
    EXPECT_EQ(out, std::string("ts=") + text);
  }
}

TEST(Rfc3339, TheLastSecondBefore1970IsWrittenEvenAsAThreadsFirst) {
  // A thread of its own: its first timestamp finds nothing cached.
  std::string out;
  std::thread([&out] {
    append_rfc3339(out, Timestamp{std::chrono::microseconds{-500000}});
  }).join();
  EXPECT_EQ(out, "1969-12-31T23:59:59.500000Z");
  EXPECT_EQ(format_rfc3339(*parse_rfc3339("1970-01-01T00:59:59.5+01:00")),
            "1969-12-31T23:59:59.500000Z");
}

TEST(Rfc3339, RejectsMalformedText) {
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("2026-11-24"));
  EXPECT_FALSE(parse_rfc3339("2026-11-24T20:01:28"));
  EXPECT_FALSE(parse_rfc3339("2026-13-24T20:01:28Z"));
  EXPECT_FALSE(parse_rfc3339("2026-02-30T20:01:28Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-24T24:01:28Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-24T20:01:28.Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-24T20:01:28Zjunk"));
}

}  // namespace
}  // namespace platform::core
