#include "platform/core/uuid.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace platform::core {
namespace {

TEST(Uuid, V7IsVersionSevenWithTheRfcVariant) {
  const Uuid id = Uuid::v7();
  EXPECT_EQ(id.version(), 7);
  EXPECT_EQ(id.bytes()[8] & 0xC0, 0x80);
}

TEST(Uuid, V7IdsSortInCreationOrder) {
  std::vector<Uuid> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(Uuid::v7());
  for (std::size_t i = 1; i < ids.size(); ++i) ASSERT_LT(ids[i - 1], ids[i]) << i;
  EXPECT_EQ(std::set<Uuid>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(Uuid, V4IsRandomVersionFour) {
  EXPECT_EQ(Uuid::v4().version(), 4);
  EXPECT_NE(Uuid::v4(), Uuid::v4());
}

TEST(Uuid, RoundTripsThroughText) {
  const Uuid id = Uuid::v7();
  const auto parsed = Uuid::parse(id.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, id);
  EXPECT_EQ(Uuid::parse("0192F0C4-1B2C-7D3E-8F40-123456789ABC")->to_string(),
            "0192f0c4-1b2c-7d3e-8f40-123456789abc");
}

TEST(Uuid, RejectsAnythingButTheCanonicalForm) {
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("0192f0c41b2c7d3e8f40123456789abc"));
  EXPECT_FALSE(Uuid::parse("{0192f0c4-1b2c-7d3e-8f40-123456789abc}"));
  EXPECT_FALSE(Uuid::parse("0192f0c4-1b2c-7d3e-8f40-123456789abg"));
  EXPECT_FALSE(Uuid::parse("0192f0c4-1b2c-7d3e-8f40_123456789abc"));
}

TEST(UuidCursor, RoundTripsAndRefusesWhatItDidNotMake) {
  const Uuid id = Uuid::v7();
  EXPECT_EQ(uuid_from_cursor(to_cursor(id)), id);
  EXPECT_FALSE(uuid_from_cursor(""));
  EXPECT_FALSE(uuid_from_cursor("abc"));
  EXPECT_FALSE(uuid_from_cursor("!!"));
}

TEST(UuidHash, SpreadsV7IdsMadeInTheSameMillisecond) {
  std::set<std::size_t> hashes;
  for (int i = 0; i < 100; ++i) hashes.insert(std::hash<Uuid>{}(Uuid::v7()));
  EXPECT_EQ(hashes.size(), 100u);
}

}  // namespace
}  // namespace platform::core
