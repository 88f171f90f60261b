#include "access_log.h"

#include <array>
#include <mutex>
#include <optional>
#include <span>

namespace platform::http {

std::string_view method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (const auto known : kKnown) {
    if (method == known) return known;
  }
  return "OTHER";
}

namespace detail {

AccessLog::AccessLog(logging::Logger& logger, metrics::Registry& registry, tracing::Tracer* tracer)
    : logger_(logger), registry_(registry), tracer_(tracer) {
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
  // Probes and scrapes come every few seconds and say nothing about a user's request:
  // traced only when they fail.
  const bool operational = outcome.route == "/metrics" || outcome.route.starts_with("/health/");
  if (tracer_ != nullptr && (!operational || outcome.status >= 500)) {
    finish_span(outcome, trace, started);
  }
}

// OpenTelemetry's HTTP server span: named by method and route template (the method alone
// when no route matched: paths would make names unbounded); 5xx is an error, 4xx is the
// client's and leaves the status unset.
void AccessLog::finish_span(const Outcome& outcome, const TraceContext& trace,
                            std::chrono::steady_clock::time_point started) const {
  if (!trace.sampled && outcome.status < 500) return tracer_->skip();
  const std::string_view method = method_label(outcome.method);
  const bool routed = outcome.route != kUnmatchedRoute;
  // "GET /subjects/{id}"; the method alone when no route matched (paths would make names
  // unbounded).
  std::optional<tracing::JoinedName> routed_name;
  if (routed) routed_name.emplace(method, outcome.route);
  const std::string_view name = routed ? routed_name->view() : method;
  std::array<tracing::AttributeView, 5> attributes;
  std::size_t count = 0;
  attributes[count++] = {"http.request.method", method};
  if (routed) attributes[count++] = {"http.route", outcome.route};
  attributes[count++] = {"url.path", outcome.path};
  attributes[count++] = {"http.response.status_code", std::int64_t{outcome.status}};
  if (!trace.request_id.empty()) attributes[count++] = {"request_id", trace.request_id};
  tracer_->finish(tracing::SpanView{.trace_id = trace.trace_id,
                                    .span_id = trace.span_id,
                                    .parent_span_id = trace.parent_span_id,
                                    .name = name,
                                    .kind = tracing::SpanKind::kServer,
                                    .start_unix_nano = tracing::unix_nanos_of(started),
                                    .end_unix_nano = tracing::now_unix_nanos(),
                                    .status = outcome.status >= 500 ? tracing::StatusCode::kError
                                                                    : tracing::StatusCode::kUnset,
                                    .attributes = std::span<const tracing::AttributeView>(
                                        attributes.data(), count)},
                  trace.sampled);
}

metrics::Counter& AccessLog::request_counter(std::string_view method, std::string_view route,
                                             int status) {
  const metrics::IntegerText status_text(status);
  thread_local metrics::RecentSeries<metrics::Counter*, 3> recent;
  if (metrics::Counter* const* kept =
          recent.find(series_owner_, {method, route, status_text.view()}))
    return **kept;
  const metrics::SeriesKey key{method, route, status_text.view()};
  metrics::Counter* counter = nullptr;
  {
    std::shared_lock lock(cache_mutex_);
    if (auto found = counters_.find(key.view()); found != counters_.end()) counter = found->second;
  }
  if (counter == nullptr) {
    counter = &registry_.counter("http_requests_total", "HTTP requests answered.",
                                 {{"method", std::string(method)},
                                  {"route", std::string(route)},
                                  {"status", std::string(status_text.view())}});
    std::unique_lock lock(cache_mutex_);
    counters_.emplace(key.text(), counter);
  }
  recent.keep(series_owner_, {method, route, status_text.view()}, counter);
  return *counter;
}

metrics::Histogram& AccessLog::duration_histogram(std::string_view method, std::string_view route) {
  thread_local metrics::RecentSeries<metrics::Histogram*, 2> recent;
  if (metrics::Histogram* const* kept = recent.find(series_owner_, {method, route})) return **kept;
  const metrics::SeriesKey key{method, route};
  metrics::Histogram* histogram = nullptr;
  {
    std::shared_lock lock(cache_mutex_);
    if (auto found = histograms_.find(key.view()); found != histograms_.end())
      histogram = found->second;
  }
  if (histogram == nullptr) {
    histogram =
        &registry_.histogram("http_request_duration_seconds", "Time to answer HTTP requests.",
                             {{"method", std::string(method)}, {"route", std::string(route)}});
    std::unique_lock lock(cache_mutex_);
    histograms_.emplace(key.text(), histogram);
  }
  recent.keep(series_owner_, {method, route}, histogram);
  return *histogram;
}

}  // namespace detail
}  // namespace platform::http
