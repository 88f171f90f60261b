// The record of every exchange: the RED metrics (http_requests_total and
// http_request_duration_seconds by method, route template and status), one access
// log line, and the server span (with a tracer). Writing the line never blocks the calling network
// thread: the service's logger queues it (logging::AsyncWriter) and drops it, counted, when stdout
// lags.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "platform/http/message.h"
#include "platform/logging/logger.h"
#include "platform/metrics/registry.h"
#include "platform/tracing/tracer.h"

namespace platform::http::detail {

// What the access line and the metrics say about one exchange.
// Views of the request's text (and the route's), which outlive the access line.
struct Outcome {
  std::string_view method;
  std::string_view route;  // the template, or "unmatched"
  std::string_view path;
  int status = 0;
  std::size_t bytes_in = 0;
  std::size_t bytes_out = 0;
};

inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class AccessLog {
 public:
  AccessLog(logging::Logger& logger, metrics::Registry& registry, tracing::Tracer* tracer);

  void record(const Outcome& outcome, const TraceContext& trace,
              std::chrono::steady_clock::time_point started);

 private:
  metrics::Counter& request_counter(std::string_view method, std::string_view route, int status);
  metrics::Histogram& duration_histogram(std::string_view method, std::string_view route);

  void finish_span(const Outcome& outcome, const TraceContext& trace,
                   std::chrono::steady_clock::time_point started) const;

  logging::Logger& logger_;
  metrics::Registry& registry_;
  tracing::Tracer* tracer_;
  // Registry lookups lock the registry; the hot path looks in the series this thread used
  // last (a RecentSeries), then in a read-mostly cache.
  const std::uint64_t series_owner_ = metrics::next_series_owner();
  std::shared_mutex cache_mutex_;
  metrics::SeriesCache<metrics::Counter*> counters_;
  metrics::SeriesCache<metrics::Histogram*> histograms_;
};

}  // namespace platform::http::detail
