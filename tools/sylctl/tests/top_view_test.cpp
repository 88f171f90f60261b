#include "top_view.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sylctl {
namespace {

// A subject-service's /metrics after `ok` 200s and `failed` 503s, all answered within
// 5 ms except `slow` of them (within 250 ms).
std::string metrics(int ok, int failed, int slow, int backlog = 0, double breaker = 0) {
  const int total = ok + failed;
  std::ostringstream text;
  text << "# HELP http_requests_total HTTP requests answered.\n"
       << "# TYPE http_requests_total counter\n"
       << "http_requests_total{method=\"GET\",route=\"/subjects/{id}\",status=\"200\"} " << ok
       << "\n"
       << "http_requests_total{method=\"GET\",route=\"/subjects/{id}\",status=\"503\"} " << failed
       << "\n"
       << "http_request_duration_seconds_bucket{method=\"GET\",route=\"/subjects/"
          "{id}\",le=\"0.005\"} "
       << total - slow << "\n"
       << "http_request_duration_seconds_bucket{method=\"GET\",route=\"/subjects/"
          "{id}\",le=\"0.25\"} "
       << total << "\n"
       << "http_request_duration_seconds_bucket{method=\"GET\",route=\"/subjects/"
          "{id}\",le=\"+Inf\"} "
       << total << "\n"
       << "outbox_backlog " << backlog << "\n"
       << "peer_circuit_state{peer=\"file-service\"} " << breaker << "\n"
       << "events_dlq_size 0\n";
  return text.str();
}

TEST(TopView, ReadsThePrometheusTextFormat) {
  const Sample sample = parse_metrics(metrics(10, 2, 0, 7));
  EXPECT_DOUBLE_EQ(sample.sum("http_requests_total"), 12);
  EXPECT_DOUBLE_EQ(sample.sum_where("http_requests_total", "status=\"5"), 2);
  EXPECT_DOUBLE_EQ(sample.sum("outbox_backlog"), 7);
  EXPECT_DOUBLE_EQ(sample.sum("nothing_total"), 0);
  EXPECT_DOUBLE_EQ(parse_metrics("a_total 3 1700000000000\n# comment\nbroken\n").sum("a_total"), 3);
}

TEST(TopView, ComputesRatesErrorsAndP99OverTheInterval) {
  const Sample before = parse_metrics(metrics(100, 0, 0));
  // 200 more answers in 2 s: 10 of them 503, 4 of them slow.
  const Sample after = parse_metrics(metrics(290, 10, 4, 3, 2));
  const InstanceRow row = summarize("subject-service", "127.0.0.1:8101", before, after, 2.0);
  EXPECT_DOUBLE_EQ(row.requests_per_second, 100);
  EXPECT_DOUBLE_EQ(row.error_ratio, 0.05);
  ASSERT_TRUE(row.p99_seconds);
  // The 198th of 200 is in the (0.005, 0.25] bucket, which holds 4: 0.005 + 0.245 * 2/4.
  EXPECT_NEAR(*row.p99_seconds, 0.1275, 1e-9);
  EXPECT_EQ(row.breakers, (std::vector<std::string>{"file-service:open"}));
  EXPECT_DOUBLE_EQ(row.outbox_backlog, 3);
  // No request in the interval: no p99 to tell.
  EXPECT_FALSE(summarize("s", "a", after, after, 1.0).p99_seconds);
}

TEST(TopView, MarksTheWorstAndFitsEightyByTwentyFour) {
  std::vector<InstanceRow> rows;
  for (int i = 0; i < 30; ++i) {
    InstanceRow row{.service = "service-with-a-rather-long-name-" + std::to_string(i),
                    .address = "127.0.0.1:" + std::to_string(9000 + i)};
    row.requests_per_second = 123456.7;
    row.p99_seconds = 0.002;
    if (i == 3) row.error_ratio = 0.2;
    if (i == 4) row.breakers = {"file-service:open", "subject-service:half-open"};
    rows.push_back(row);
  }
  EXPECT_EQ(worst_row(rows), std::optional<std::size_t>(3));
  const std::string screen = format_top(rows, 80, 24, false, "sylctl top: a title");
  std::istringstream lines(screen);
  std::string line;
  int count = 0;
  bool marked = false;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_LE(line.size(), 80u) << line;
    if (line.starts_with("> ")) marked = line.find("127.0.0.1:9003") != std::string::npos;
  }
  EXPECT_LE(count, 23);  // and the caller's "q quits" line makes 24
  EXPECT_TRUE(marked) << screen;
  EXPECT_NE(screen.find("more"), std::string::npos);

  // Healthy: nothing marked. Coloured: the worst in reverse video, still 80 wide in text.
  rows[3].error_ratio = 0;
  rows[4].breakers.clear();
  EXPECT_FALSE(worst_row(rows));
  rows[0].reachable = false;
  const std::string coloured = format_top(rows, 80, 24, true, "t");
  EXPECT_NE(coloured.find("\x1b[7m> service-with-a-rat127.0.0.1:9000"), std::string::npos);
  EXPECT_NE(coloured.find("unreachable"), std::string::npos);
}

}  // namespace
}  // namespace sylctl
