// Tokens verified recently (token_cache.h).
#include "infrastructure/token_cache.h"

#include <gtest/gtest.h>

namespace {

using api_gateway::infrastructure::VerifiedTokens;

TEST(VerifiedTokens, ServeUntilTheTokenExpiresAndNotAfterAKeyChange) {
  VerifiedTokens cache;
  cache.remember("t1", {.subject = "alice", .roles = {"editor"}}, 1000, cache.generation());
  auto known = cache.find("t1", 999);
  ASSERT_TRUE(known);
  EXPECT_EQ(known->subject, "alice");
  EXPECT_EQ(known->roles.at(0), "editor");
  EXPECT_FALSE(cache.find("t1", 1000));  // expired
  EXPECT_FALSE(cache.find("t2", 1));
  const auto before = cache.generation();
  cache.clear();  // the keys changed
  EXPECT_FALSE(cache.find("t1", 1));
  // A verification that began before the change is not kept.
  cache.remember("t3", {.subject = "bob", .roles = {}}, 1000, before);
  EXPECT_FALSE(cache.find("t3", 1));
}

TEST(VerifiedTokens, StayWithinTheirCapacity) {
  VerifiedTokens cache(100);
  for (int i = 0; i < 1000; ++i)
    cache.remember("t" + std::to_string(i), {.subject = "u", .roles = {}}, 10, cache.generation());
  EXPECT_LE(cache.size(), 100u);
}

}  // namespace
