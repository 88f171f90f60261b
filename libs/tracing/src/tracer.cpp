#include "platform/tracing/tracer.h"

#include <random>
#include <utility>

namespace platform::tracing {
namespace {

void append_string_attribute(std::string& out, std::string_view key, std::string_view value) {
  out.append("{\"key\":\"").append(key).append("\",\"value\":{\"stringValue\":\"");
  logging::append_json_escaped(out, value);
  out.append("\"}}");
}

}  // namespace

Tracer::Tracer(TracerOptions options, logging::Logger& logger,
               std::unique_ptr<SpanExporter> exporter)
    : options_(std::move(options)), logger_(logger), exporter_(std::move(exporter)) {
  resource_json_ = "{\"attributes\":[";
  append_string_attribute(resource_json_, "service.name", logger_.service());
  resource_json_.push_back(',');
  append_string_attribute(resource_json_, "service.instance.id", logger_.instance());
  if (!options_.service_version.empty()) {
    resource_json_.push_back(',');
    append_string_attribute(resource_json_, "service.version", options_.service_version);
  }
  resource_json_.append("]}");
  if (exporter_) thread_ = std::thread([this] { export_loop(); });
}

Tracer::~Tracer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + options_.stop_budget;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Tracer::sample_new_trace() const {
  if (options_.sample_ratio >= 1.0) return true;
  if (options_.sample_ratio <= 0.0) return false;
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine) < options_.sample_ratio;
}

// Whether a finished span is kept: when sampled, or when it failed (an error is worth a
// span even in a trace nobody sampled). Counts the span either way.
bool Tracer::keeps(bool sampled, StatusCode status) {
  if (!sampled && status != StatusCode::kError) {
    sampled_out_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  recorded_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

template <typename SpanLike>
void Tracer::log(const SpanLike& span) {
  if (!options_.log_spans) return;
  logger_.record({{}, span.trace_id, span.span_id}, "span", "span", otlp_json_bound(span),
                 [&span](std::string& line) { append_otlp_json(line, span); });
}

void Tracer::finish(Span span, bool sampled) {
  if (!keeps(sampled, span.status)) return;
  log(span);
  if (exporter_) enqueue(std::move(span));
}

void Tracer::finish(const SpanView& span, bool sampled) {
  if (!keeps(sampled, span.status)) return;
  log(span);
  // A queued span outlives what this one views: the exporter gets its own copy.
  if (exporter_) enqueue(to_span(span));
}

void Tracer::enqueue(Span span) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queued_spans) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(span));
    ++queued_total_;
    wake = queue_.size() >= options_.max_batch_spans;
  }
  if (wake) wake_.notify_one();
}

void Tracer::flush() {
  if (!exporter_) return;
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_total_;
  flushing_ = true;
  wake_.notify_one();
  idle_.wait(lock, [&] { return handled_total_ >= target || stopping_; });
}

TracerCounts Tracer::counts() const {
  return TracerCounts{.recorded = recorded_.load(std::memory_order_relaxed),
                      .sampled_out = sampled_out_.load(std::memory_order_relaxed),
                      .dropped = dropped_.load(std::memory_order_relaxed),
                      .exported = exported_.load(std::memory_order_relaxed),
                      .export_failures = export_failures_.load(std::memory_order_relaxed)};
}

std::string Tracer::export_request(const std::deque<Span>& spans) const {
  std::string out;
  out.reserve(256 + spans.size() * 512);
  out.append("{\"resourceSpans\":[{\"resource\":").append(resource_json_);
  out.append(",\"scopeSpans\":[{\"scope\":{\"name\":\"syllabus-platform\"},\"spans\":[");
  bool first = true;
  for (const auto& span : spans) {
    if (!first) out.push_back(',');
    first = false;
    append_otlp_json(out, span);
  }
  out.append("]}]}]}");
  return out;
}

void Tracer::export_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, options_.export_interval, [&] {
      return stopping_ || flushing_ || queue_.size() >= options_.max_batch_spans;
    });
    while (!queue_.empty()) {
      if (stopping_ && (export_failing_ || std::chrono::steady_clock::now() >= stop_deadline_)) {
        dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
        handled_total_ += queue_.size();
        queue_.clear();
        break;
      }
      std::deque<Span> batch;
      const std::size_t take = std::min(queue_.size(), options_.max_batch_spans);
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      export_batch(batch);
      lock.lock();
      handled_total_ += take;
    }
    flushing_ = false;
    idle_.notify_all();
    if (stopping_) return;
  }
}

void Tracer::export_batch(const std::deque<Span>& batch) {
  const std::string request = export_request(batch);
  core::Result<void> sent = core::Error::internal("the exporter threw");
  try {
    sent = exporter_->send(request);
  } catch (...) {
  }
  if (sent) {
    exported_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (export_failing_) logger_.info("span export works again");
    export_failing_ = false;
    return;
  }
  export_failures_.fetch_add(1, std::memory_order_relaxed);
  dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
  // The counters tell how much is lost; the log says only when the failures begin.
  if (!export_failing_) {
    logger_.warn("span export failed; spans are dropped until the collector answers",
                 {{"error", sent.error().log_detail()}});
  }
  export_failing_ = true;
}

}  // namespace platform::tracing
