#include "api/byte_range.h"

#include <gtest/gtest.h>

namespace file_service::api {
namespace {

RangeDecision full() {
  return {RangeOutcome::kFull, {}};
}
RangeDecision partial(std::uint64_t first, std::uint64_t last) {
  return {RangeOutcome::kPartial, {first, last}};
}
RangeDecision unsatisfiable() {
  return {RangeOutcome::kUnsatisfiable, {}};
}

TEST(DecideRange, ServesEverythingWithoutAHeader) {
  EXPECT_EQ(decide_range(std::nullopt, 1000), full());
  EXPECT_EQ(decide_range("", 1000), full());
  EXPECT_EQ(decide_range("   ", 1000), full());
}

TEST(DecideRange, ReadsTheThreeFormsOfARange) {
  EXPECT_EQ(decide_range("bytes=0-99", 1000), partial(0, 99));
  EXPECT_EQ(decide_range("bytes=500-", 1000), partial(500, 999));
  EXPECT_EQ(decide_range("bytes=-100", 1000), partial(900, 999));
  EXPECT_EQ(decide_range("bytes=999-999", 1000), partial(999, 999));
  EXPECT_EQ(decide_range("bytes=0-0", 1), partial(0, 0));
}

TEST(DecideRange, AllowsWhitespaceAndAnyCaseOfTheUnit) {
  EXPECT_EQ(decide_range("  Bytes = 10-20 ", 1000), partial(10, 20));
  EXPECT_EQ(decide_range("BYTES=\t10-20\t,", 1000), partial(10, 20));
}

TEST(DecideRange, CutsARangeAtTheEnd) {
  EXPECT_EQ(decide_range("bytes=900-5000", 1000), partial(900, 999));
  EXPECT_EQ(decide_range("bytes=0-99999999999999999999999", 1000), partial(0, 999));
  EXPECT_EQ(decide_range("bytes=-5000", 1000), partial(0, 999));
}

TEST(DecideRange, RefusesARangeThatSelectsNothing) {
  EXPECT_EQ(decide_range("bytes=1000-", 1000), unsatisfiable());
  EXPECT_EQ(decide_range("bytes=1000-2000", 1000), unsatisfiable());
  EXPECT_EQ(decide_range("bytes=99999999999999999999999-", 1000), unsatisfiable());
  EXPECT_EQ(decide_range("bytes=-0", 1000), unsatisfiable());
  EXPECT_EQ(decide_range("bytes=2000-,3000-4000", 1000), unsatisfiable());
}

TEST(DecideRange, RefusesAnyRangeOfAnEmptyFile) {
  for (std::string_view header : {"bytes=0-", "bytes=0-0", "bytes=-1", "bytes=-0"})
    EXPECT_EQ(decide_range(header, 0), unsatisfiable()) << header;
  EXPECT_EQ(decide_range(std::nullopt, 0), full());
}

TEST(DecideRange, IgnoresAMalformedHeaderOrAnotherUnit) {
  for (std::string_view header :
       {"bytes", "bytes=", "bytes=abc", "bytes=5", "bytes=10-5", "bytes=1-2-3", "bytes=+1-2",
        "bytes=-", "bytes= - ", "bytes=0x10-20", "items=0-10", "bytes=0-10,junk", "bytes=-1-",
        "bits=0-1", "bytes 0-10"})
    EXPECT_EQ(decide_range(header, 1000), full()) << header;
}

TEST(DecideRange, CoalescesRangesThatOverlapOrTouch) {
  EXPECT_EQ(decide_range("bytes=0-99,100-199", 1000), partial(0, 199));
  EXPECT_EQ(decide_range("bytes=50-150, 0-99", 1000), partial(0, 150));
  EXPECT_EQ(decide_range("bytes=900-,-50", 1000), partial(900, 999));
  EXPECT_EQ(decide_range("bytes=0-10,5000-6000", 1000), partial(0, 10));  // one selects nothing
}

TEST(DecideRange, ServesEverythingForSeveralSeparateRanges) {
  EXPECT_EQ(decide_range("bytes=0-10,20-30", 1000), full());
  EXPECT_EQ(decide_range("bytes=0-0,-1", 1000), full());
}

TEST(DecideRange, IgnoresTooManyRanges) {
  std::string header = "bytes=0-0";
  for (std::size_t i = 1; i <= kMaxRanges; ++i) header += ",0-0";
  EXPECT_EQ(decide_range(header, 1000), full());
}

TEST(ContentRange, FormatsPartialAndUnsatisfiedRanges) {
  EXPECT_EQ(content_range({0, 99}, 1000), "bytes 0-99/1000");
  EXPECT_EQ(content_range({999, 999}, 1000), "bytes 999-999/1000");
  EXPECT_EQ(unsatisfied_content_range(1000), "bytes */1000");
  EXPECT_EQ(unsatisfied_content_range(0), "bytes */0");
  EXPECT_EQ(ByteRange({10, 19}).length(), 10u);
}

}  // namespace
}  // namespace file_service::api
