// Where a service's finished spans go: into its log, one JSON line each (msg "span", the
// OTLP span object under "span"), and, with an exporter (OTLP/HTTP, see
// platform/service/tracing.h), to a collector in batches.
//
//   Tracer tracer({.sample_ratio = 0.1}, logger, std::move(exporter));
//   if (!parent) sampled = tracer.sample_new_trace();    // a new trace: head sampling
//   tracer.finish(std::move(span), sampled);             // kept when sampled or an error
//
// Sampling: a request that arrives with a traceparent follows its sampled flag; a new
// trace is sampled with probability sample_ratio. A span whose status is an error is
// kept whatever was decided, so that failures are always seen.
//
// Never blocking: finish() serializes the span and queues it (the log's own writer, and
// the export queue); when the export queue is full the span is dropped from the export
// and counted, and an export that fails drops its batch (counted) rather than retry
// forever. The exporter runs on the tracer's own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "platform/core/result.h"
#include "platform/logging/logger.h"
#include "platform/tracing/span.h"

namespace platform::tracing {

// Sends one OTLP/HTTP JSON export request (an ExportTraceServiceRequest). Called on the
// tracer's export thread only; may block up to its own timeout.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual core::Result<void> send(const std::string& request_json) = 0;
};

struct TracerOptions {
  double sample_ratio = 1.0;  // for new traces, 0..1
  bool log_spans = true;      // a line per span in the service's log
  std::string service_version;
  std::size_t max_queued_spans = 4096;  // waiting for export; beyond, dropped
  std::size_t max_batch_spans = 512;
  std::chrono::milliseconds export_interval{1000};
  // At stop, what is queued is exported batch by batch until this much time has passed
  // or an export fails (or the exports were failing already); the rest is dropped and
  // counted, so that a hung collector cannot hold a service's stop for a timeout per
  // batch. A stop waits at most the export in flight, then this budget.
  std::chrono::milliseconds stop_budget{2000};
};

struct TracerCounts {
  std::uint64_t recorded = 0;     // kept: logged and/or queued
  std::uint64_t sampled_out = 0;  // finished but not kept
  std::uint64_t dropped = 0;      // not exported: queue full or the export failed
  std::uint64_t exported = 0;
  std::uint64_t export_failures = 0;  // export requests that failed
};

class Tracer {
 public:
  // `logger` must outlive the tracer; its service and instance name the resource.
  Tracer(TracerOptions options, logging::Logger& logger,
         std::unique_ptr<SpanExporter> exporter = nullptr);
  // Exports what is queued (within stop_budget, see TracerOptions), then stops the export
  // thread.
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Head sampling of a new trace.
  bool sample_new_trace() const;
  // Keeps the span when `sampled` or its status is an error; else only counts it.
  void finish(Span span, bool sampled);
  // The same for a span whose text lives elsewhere: written to the log from the view,
  // without a copy; with an exporter, an owned copy is queued for it.
  void finish(const SpanView& span, bool sampled);
  // Counts a span that was not even made: its trace is not sampled and it ended well
  // (a caller's shortcut on a hot path, instead of making a Span for finish() to drop).
  void skip() { sampled_out_.fetch_add(1, std::memory_order_relaxed); }
  // Waits until the spans finished before the call were handed to the exporter (tests,
  // shutdown).
  void flush();

  TracerCounts counts() const;
  bool exporting() const { return exporter_ != nullptr; }

  // The ExportTraceServiceRequest JSON for these spans of this service (tests).
  std::string export_request(const std::deque<Span>& spans) const;

 private:
  bool keeps(bool sampled, StatusCode status);
  template <typename SpanLike>
  void log(const SpanLike& span);
  void enqueue(Span span);
  void export_loop();
  void export_batch(const std::deque<Span>& batch);

  TracerOptions options_;
  logging::Logger& logger_;
  std::unique_ptr<SpanExporter> exporter_;
  std::string resource_json_;  // the resource object, made once

  std::atomic<std::uint64_t> recorded_{0};
  std::atomic<std::uint64_t> sampled_out_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> exported_{0};
  std::atomic<std::uint64_t> export_failures_{0};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Span> queue_;
  std::uint64_t queued_total_ = 0;   // spans ever queued
  std::uint64_t handled_total_ = 0;  // spans ever taken off the queue and sent (or failed)
  bool flushing_ = false;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point stop_deadline_;  // set with stopping_
  bool export_failing_ = false;                          // export thread only
  std::thread thread_;                                   // last: started once the rest exists
};

}  // namespace platform::tracing
