#include "platform/cli/arguments.h"

#include <gtest/gtest.h>

namespace platform::cli {
namespace {

TEST(ParseOptions, ReadsValuesInBothFormsAndSwitches) {
  Arguments arguments;
  EXPECT_FALSE(parse_options({"--stream", "events.subject", "--limit=5", "--json"},
                             {"stream", "limit"}, {"json"}, arguments));
  EXPECT_EQ(arguments.get("stream"), "events.subject");
  EXPECT_EQ(arguments.get("limit"), "5");
  EXPECT_TRUE(arguments.has("json"));
  EXPECT_FALSE(arguments.get("redis"));
}

TEST(ParseOptions, NamesWhatIsWrong) {
  Arguments arguments;
  EXPECT_EQ(parse_options({"stray"}, {}, {}, arguments), "unexpected argument \"stray\"");
  EXPECT_EQ(parse_options({"--nope"}, {"stream"}, {}, arguments), "unknown option --nope");
  EXPECT_EQ(parse_options({"--stream"}, {"stream"}, {}, arguments), "--stream needs a value");
}

}  // namespace
}  // namespace platform::cli
