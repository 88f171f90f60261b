#include "log_merge.h"

#include <gtest/gtest.h>

namespace sylctl {
namespace {

constexpr const char* kSubjectLog =
    R"({"ts":"2026-03-01T10:00:00.000100Z","level":"info","service":"subject-service","msg":"ready","port":8101}
{"ts":"2026-03-01T10:00:02.000000Z","level":"info","service":"subject-service","msg":"request","request_id":"r-1","trace_id":"t-1"}
a panic message that is not JSON
{"ts":"2026-03-01T10:00:04.000000Z","level":"info","service":"subject-service","msg":"request","request_id":"r-2","trace_id":"t-2"}
)";

constexpr const char* kConfigLog =
    R"({"ts":"2026-03-01T10:00:00.000000Z","level":"info","service":"config-service","msg":"ready","port":8100}
{"ts":"2026-03-01T10:00:03.000000Z","level":"info","service":"config-service","msg":"request","request_id":"r-1","trace_id":"t-1"}
)";

std::vector<LogLine> parse(std::string_view file_service, std::string_view text) {
  std::string last_ts;
  return parse_log_text(file_service, text, last_ts);
}

TEST(ParseLogLine, ReadsTheFieldsOfAJsonLine) {
  const LogLine line = parse_log_line(
      "file-name",
      R"({"ts":"2026-03-01T10:00:02.000000Z","service":"subject-service","request_id":"r-1","trace_id":"t-1"})",
      "");
  EXPECT_TRUE(line.json);
  EXPECT_EQ(line.service, "subject-service");
  EXPECT_EQ(line.ts, "2026-03-01T10:00:02.000000Z");
  EXPECT_EQ(line.request_id, "r-1");
  EXPECT_EQ(line.trace_id, "t-1");
}

TEST(ParseLogLine, KeepsANonJsonLineAsTextWithThePreviousTimestamp) {
  const LogLine line = parse_log_line("redis", "1:M 01 Mar 2026 * Ready to accept", "T0");
  EXPECT_FALSE(line.json);
  EXPECT_EQ(line.service, "redis");
  EXPECT_EQ(line.ts, "T0");
  EXPECT_EQ(line.text, "1:M 01 Mar 2026 * Ready to accept");
}

TEST(ParseLogLine, TreatsBrokenJsonAsText) {
  const LogLine line = parse_log_line("subject-service", R"({"ts":"2026-03-01T10:0)", "T0");
  EXPECT_FALSE(line.json);
  EXPECT_EQ(line.ts, "T0");
}

TEST(ParseLogText, LeavesAnIncompleteLastLineForLater) {
  std::string last_ts;
  const auto lines =
      parse_log_text("subject-service", "{\"ts\":\"A\"}\nnot json\n{\"ts\":\"B\"", last_ts);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].ts, "A");
  EXPECT_EQ(last_ts, "A");
}

TEST(MergeByTime, InterleavesFilesByTimestampAndKeepsTextLinesInPlace) {
  const auto merged =
      merge_by_time({parse("subject-service", kSubjectLog), parse("config-service", kConfigLog)});
  ASSERT_EQ(merged.size(), 6u);
  std::vector<std::string> order;
  for (const LogLine& line : merged) order.push_back(line.service + "@" + line.ts.substr(17, 2));
  EXPECT_EQ(order, (std::vector<std::string>{"config-service@00", "subject-service@00",
                                             "subject-service@02", "subject-service@02",
                                             "config-service@03", "subject-service@04"}));
  EXPECT_EQ(merged[3].text, "a panic message that is not JSON");
}

TEST(LogFilter, SelectsOneRequestAcrossServices) {
  const auto merged =
      merge_by_time({parse("subject-service", kSubjectLog), parse("config-service", kConfigLog)});
  const LogFilter filter{.request_id = "r-1"};
  std::vector<std::string> services;
  for (const LogLine& line : merged) {
    if (filter.matches(line)) services.push_back(line.service);
  }
  EXPECT_EQ(services, (std::vector<std::string>{"subject-service", "config-service"}));
}

TEST(LogFilter, SelectsByTraceIdAndService) {
  const auto lines = parse("subject-service", kSubjectLog);
  EXPECT_TRUE((LogFilter{.trace_id = "t-2"}).matches(lines[3]));
  EXPECT_FALSE((LogFilter{.trace_id = "t-2"}).matches(lines[1]));
  EXPECT_FALSE((LogFilter{.trace_id = "t-2"}).matches(lines[2]));  // text has no ids
  EXPECT_TRUE((LogFilter{.service = "subject-service"}).matches(lines[2]));
  EXPECT_FALSE((LogFilter{.service = "config-service"}).matches(lines[0]));
  EXPECT_TRUE(LogFilter{}.matches(lines[2]));
}

TEST(LogFilter, SelectsByLevelTimeAndText) {
  const auto lines = parse("subject-service",
                           R"({"ts":"2026-03-01T10:00:00.000000Z","level":"debug","msg":"a"}
{"ts":"2026-03-01T10:00:01.500000Z","level":"warn","msg":"slow query"}
{"ts":"2026-03-01T10:00:02.000000Z","level":"error","msg":"cannot open the database"}
Segmentation fault
)");
  ASSERT_EQ(lines.size(), 4u);
  const LogFilter warnings{.min_level = "warn"};
  EXPECT_FALSE(warnings.matches(lines[0]));
  EXPECT_TRUE(warnings.matches(lines[1]));
  EXPECT_TRUE(warnings.matches(lines[2]));
  EXPECT_TRUE(warnings.matches(lines[3]));  // a crash's output passes any level
  EXPECT_FALSE((LogFilter{.min_level = "error"}).matches(lines[1]));

  const LogFilter recent{.since = "2026-03-01T10:00:01.000000Z"};
  EXPECT_FALSE(recent.matches(lines[0]));
  EXPECT_TRUE(recent.matches(lines[1]));  // later within the same second

  EXPECT_TRUE((LogFilter{.grep = "database"}).matches(lines[2]));
  EXPECT_FALSE((LogFilter{.grep = "database"}).matches(lines[1]));
}

TEST(FormatLine, PrefixesTheServiceName) {
  LogLine line;
  line.service = "redis";
  line.text = "hello";
  EXPECT_EQ(format_line(line, 8), "redis    | hello");
}

}  // namespace
}  // namespace sylctl
