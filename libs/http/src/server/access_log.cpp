#include "access_log.h"

#include <array>
#include <mutex>

namespace platform::http::detail {

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (const auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

AccessLog::AccessLog(logging::Logger& logger, metrics::Registry& registry)
    : logger_(logger), registry_(registry) {
  registry_.callback_counter("log_lines_dropped_total",
                             "Log lines dropped because stdout could not keep up.", {},
                             [&logger] { return static_cast<double>(logger.dropped_lines()); });
}

void AccessLog::record(const Outcome& outcome, const TraceContext& trace,
                       std::chrono::steady_clock::time_point started) {
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  const std::string_view method = method_label(outcome.method);
  // Metrics first: whoever sees the access line can rely on the metrics being there.
  request_counter(method, outcome.route, outcome.status).inc();
  duration_histogram(method, outcome.route).observe(elapsed.count());
  logger_.info(trace.log_context(), "request",
               {{"method", outcome.method},
                {"route", outcome.route},
                {"path", outcome.path},
                {"status", outcome.status},
                {"duration_ms", elapsed.count() * 1000.0},
                {"bytes_in", outcome.bytes_in},
                {"bytes_out", outcome.bytes_out}});
}

metrics::Counter& AccessLog::request_counter(std::string_view method, const std::string& route,
                                             int status) {
  std::string key;
  key.append(method).append(1, '\0').append(route).append(1, '\0').append(std::to_string(status));
  {
    std::shared_lock lock(cache_mutex_);
    if (auto found = counters_.find(key); found != counters_.end()) return *found->second;
  }
  auto& counter = registry_.counter(
      "http_requests_total", "HTTP requests answered.",
      {{"method", std::string(method)}, {"route", route}, {"status", std::to_string(status)}});
  std::unique_lock lock(cache_mutex_);
  counters_.emplace(std::move(key), &counter);
  return counter;
}

metrics::Histogram& AccessLog::duration_histogram(std::string_view method,
                                                  const std::string& route) {
  std::string key;
  key.append(method).append(1, '\0').append(route);
  {
    std::shared_lock lock(cache_mutex_);
    if (auto found = histograms_.find(key); found != histograms_.end()) return *found->second;
  }
  auto& histogram =
      registry_.histogram("http_request_duration_seconds", "Time to answer HTTP requests.",
                          {{"method", std::string(method)}, {"route", route}});
  std::unique_lock lock(cache_mutex_);
  histograms_.emplace(std::move(key), &histogram);
  return histogram;
}

}  // namespace platform::http::detail
