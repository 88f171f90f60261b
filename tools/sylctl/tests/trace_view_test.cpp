#include "trace_view.h"

#include <gtest/gtest.h>

#include <string>

namespace sylctl {
namespace {

// A span line as a service writes it (libs/tracing), `start`/`end` in ms from a base.
std::string span_line(const std::string& service, const std::string& trace, const std::string& span,
                      const std::string& parent, const std::string& name, int start_ms, int end_ms,
                      bool error = false, const std::string& extra = "") {
  const std::uint64_t base = 1'796'000'000'000'000'000;
  const auto at = [&](int ms) { return std::to_string(base + std::uint64_t(ms) * 1'000'000); };
  return R"({"ts":"2026-12-01T10:00:00Z","level":"info","service":")" + service +
         R"(","msg":"span","trace_id":")" + trace + R"(","span":{"traceId":")" + trace +
         R"(","spanId":")" + span + R"(")" +
         (parent.empty() ? "" : R"(,"parentSpanId":")" + parent + R"(")") + R"(,"name":")" + name +
         R"(","kind":2,"startTimeUnixNano":")" + at(start_ms) + R"(","endTimeUnixNano":")" +
         at(end_ms) + R"(","status":{"code":)" + (error ? "2,\"message\":\"answered 503\"" : "0") +
         R"(},"attributes":[])" + extra + "}}";
}

constexpr const char* kTrace = "0af7651916cd43dd8448eb211c80319c";

std::vector<SpanRecord> platform_trace() {
  std::vector<SpanRecord> spans;
  for (
      const auto& line :
      {span_line("syllabus-service", kTrace, "b000000000000002", "a000000000000001",
                 "POST /syllabi", 1, 9),
       span_line("api-gateway", kTrace, "a000000000000001", "", "POST /api/v1/syllabi", 0, 10),
       span_line(
           "syllabus-service", kTrace, "c000000000000003", "b000000000000002",
           "GET subject-service", 2, 6, false,
           R"(,"events":[{"timeUnixNano":"1796000000003000000","name":"retry","attributes":[{"key":"after","value":{"stringValue":"503"}}]}])"),
       span_line("subject-service", kTrace, "d000000000000004", "c000000000000003",
                 "GET /subjects/{id}", 4, 5, true)}) {
    auto span = parse_span_line("file", line);
    EXPECT_TRUE(span) << line;
    if (span) spans.push_back(*span);
  }
  return spans;
}

TEST(TraceView, ReadsSpanLinesAndIgnoresOtherLines) {
  EXPECT_FALSE(parse_span_line("x", R"({"msg":"request","status":200})"));
  EXPECT_FALSE(parse_span_line("x", "not json at all"));
  EXPECT_FALSE(parse_span_line("x", R"({"msg":"span","span":"oops"})"));
  const auto spans = platform_trace();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[2].events.at(0).name, "retry");
  EXPECT_EQ(spans[2].events.at(0).detail, "after=503");
  EXPECT_TRUE(spans[3].error);
  EXPECT_EQ(spans[3].duration(), 1'000'000u);
}

TEST(TraceView, DrawsTheWaterfallParentsFirstWithOffsetsDurationsAndEvents) {
  const std::string text = format_waterfall(spans_of_trace(platform_trace(), kTrace), 10);
  // The root first, each child under its parent, indented by depth.
  const auto gateway = text.find("api-gateway       POST /api/v1/syllabi");
  const auto syllabi = text.find("syllabus-service    POST /syllabi");
  const auto call = text.find("syllabus-service      GET subject-service");
  const auto subjects = text.find("subject-service         GET /subjects/{id}");
  ASSERT_NE(gateway, std::string::npos) << text;
  ASSERT_NE(syllabi, std::string::npos) << text;
  ASSERT_NE(call, std::string::npos) << text;
  ASSERT_NE(subjects, std::string::npos) << text;
  EXPECT_LT(gateway, syllabi);
  EXPECT_LT(syllabi, call);
  EXPECT_LT(call, subjects);
  EXPECT_NE(text.find("4 spans, 10.000 ms, 1 with errors"), std::string::npos) << text;
  EXPECT_NE(text.find("+4.000 ms    1.000 ms     ERROR  |    #     |"), std::string::npos) << text;
  EXPECT_NE(text.find("- retry at +3.000 ms (after=503)"), std::string::npos) << text;
  EXPECT_NE(text.find("! answered 503"), std::string::npos) << text;
}

TEST(TraceView, FindsTheSlowestTracesByTheirRootSpans) {
  auto spans = platform_trace();
  const std::string other = "1bf92f3577b34da6a3ce929d0e0e4736";
  spans.push_back(*parse_span_line("f", span_line("api-gateway", other, "e000000000000005", "",
                                                  "GET /api/v1/subjects", 20, 50)));
  spans.push_back(*parse_span_line("f", span_line("subject-service", other, "f000000000000006",
                                                  "e000000000000005", "GET /subjects", 21, 49)));
  const auto roots = slowest_traces(spans, 10, 0);
  ASSERT_EQ(roots.size(), 2u);
  EXPECT_EQ(roots[0].trace_id, other);  // 30 ms before 10 ms
  EXPECT_EQ(roots[1].name, "POST /api/v1/syllabi");
  EXPECT_EQ(slowest_traces(spans, 1, 0).size(), 1u);
  // Only what began at or after `since`.
  EXPECT_EQ(slowest_traces(spans, 10, roots[0].start).size(), 1u);
  const std::string table = format_slowest(roots, spans);
  EXPECT_NE(table.find(other), std::string::npos);
  EXPECT_NE(table.find("ERROR"), std::string::npos);  // the first trace has a failed span
}

}  // namespace
}  // namespace sylctl
