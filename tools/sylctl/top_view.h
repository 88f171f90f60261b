// `sylctl top`: what every instance's /metrics says, turned into one screen. Pure
// functions, no network and no terminal.
//
//   Sample before = parse_metrics(text_then), after = parse_metrics(text_now);
//   InstanceRow row = summarize("subject-service", "127.0.0.1:8101", before, after, 1.0);
//   std::cout << format_top({row, ...}, 80);
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sylctl {

// One scrape: every sample by its series ("name{labels}" as rendered) and by name.
struct Sample {
  std::multimap<std::string, std::pair<std::string, double>> by_name;  // name -> (labels, value)
  double sum(std::string_view name) const;
  // The samples of `name` whose label text contains `label_fragment` ("status=\"5").
  double sum_where(std::string_view name, std::string_view label_fragment) const;
};

// The Prometheus text format: comments skipped, "name{labels} value" or "name value".
Sample parse_metrics(std::string_view text);

// What the requests between two scrapes did: how many, how many answered 5xx, and the p99
// (none without requests). `api_only` leaves the operational routes out (/health/*,
// /metrics), which a watcher's own scrapes would otherwise swell.
struct RequestWindow {
  double requests = 0;
  double errors = 0;
  std::optional<double> p99_seconds;
};
RequestWindow request_window(const Sample& before, const Sample& after, bool api_only = false);

struct InstanceRow {
  std::string service;
  std::string address;  // host:port
  bool reachable = true;
  double requests_per_second = 0;
  double error_ratio = 0;             // 5xx / all, over the interval
  std::optional<double> p99_seconds;  // none without requests in the interval
  std::vector<std::string> breakers;  // peers whose breaker is not closed: "subject-service:open"
  double outbox_backlog = 0;
  double consumer_lag = 0;
  double dlq_size = 0;
};

// The instance over the interval between two scrapes `seconds` apart: rates, error ratio
// and p99 from the differences of http_requests_total and http_request_duration_seconds
// (every route together), the rest as they are now.
InstanceRow summarize(std::string service, std::string address, const Sample& before,
                      const Sample& after, double seconds);

// The worst row: the highest error ratio, then the highest p99; nullopt when every row is
// healthy (no error, p99 under 100 ms, no breaker open, no dead letter).
std::optional<std::size_t> worst_row(const std::vector<InstanceRow>& rows);

// The screen: the title, a header line, one line per instance (the worst one marked "> ",
// and in ANSI reverse video when `colour`), never wider than `width` columns nor more
// lines than `height` - 1 (the caller's last line: how to quit).
std::string format_top(const std::vector<InstanceRow>& rows, std::size_t width, std::size_t height,
                       bool colour, std::string_view title);

}  // namespace sylctl
