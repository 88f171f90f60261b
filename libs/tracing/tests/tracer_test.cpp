#include "platform/tracing/tracer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace platform::tracing {
namespace {

using namespace std::chrono_literals;

struct CapturedLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  logging::Logger logger{"subject-service", "subject-service-1", logging::Level::kWarn,
                         [this](std::string_view line) {
                           std::lock_guard lock(mutex);
                           lines.emplace_back(line);
                         }};
  std::vector<std::string> taken() {
    std::lock_guard lock(mutex);
    return lines;
  }
};

// Records what it is asked to send; can be made to fail or to hang until released.
class FakeExporter final : public SpanExporter {
 public:
  struct State {
    std::mutex mutex;
    std::vector<std::string> requests;
    std::size_t sends = 0;  // attempts, failed ones included
    bool fail = false;
    std::shared_future<void> gate;  // when valid, send() waits on it
  };
  explicit FakeExporter(std::shared_ptr<State> state) : state_(std::move(state)) {}
  core::Result<void> send(const std::string& request) override {
    std::shared_future<void> gate;
    {
      std::lock_guard lock(state_->mutex);
      gate = state_->gate;
    }
    if (gate.valid()) gate.wait();
    std::lock_guard lock(state_->mutex);
    ++state_->sends;
    if (state_->fail) return core::Error::unavailable("collector down");
    state_->requests.push_back(request);
    return core::ok();
  }

 private:
  std::shared_ptr<State> state_;
};

Span span_named(std::string name, StatusCode status = StatusCode::kUnset) {
  return Span{.trace_id = new_trace_id(),
              .span_id = new_span_id(),
              .name = std::move(name),
              .kind = SpanKind::kServer,
              .start_unix_nano = now_unix_nanos(),
              .end_unix_nano = now_unix_nanos(),
              .status = status};
}

TEST(Tracer, LogsSampledSpansWhateverTheLogLevelAndCountsTheOthers) {
  CapturedLog log;
  Tracer tracer({}, log.logger);
  Span kept = span_named("GET /kept");
  const std::string trace_id = kept.trace_id;
  tracer.finish(std::move(kept), true);
  tracer.finish(span_named("GET /not-sampled"), false);
  tracer.finish(span_named("GET /failed", StatusCode::kError), false);  // errors are kept

  const auto lines = log.taken();
  ASSERT_EQ(lines.size(), 2u);
  const auto first = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("msg").as_string(), "span");
  EXPECT_EQ(first.at("trace_id").as_string(), trace_id);
  EXPECT_EQ(first.at("span").at("name").as_string(), "GET /kept");
  EXPECT_EQ(first.at("span").at("traceId").as_string(), trace_id);
  EXPECT_EQ(boost::json::parse(lines[1]).at("span").at("name").as_string(), "GET /failed");
  EXPECT_EQ(tracer.counts().recorded, 2u);
  EXPECT_EQ(tracer.counts().sampled_out, 1u);
}

// A view is logged as a span is, and what an exporter gets from it is an owned copy: the
// text it viewed may be gone by the time the batch is sent.
TEST(Tracer, LogsAViewAsASpanAndExportsACopyOfIt) {
  CapturedLog log;
  auto state = std::make_shared<FakeExporter::State>();
  Tracer tracer({.max_batch_spans = 1}, log.logger, std::make_unique<FakeExporter>(state));
  {
    std::string name = "GET /viewed";
    const std::string trace_id = new_trace_id();
    const std::string span_id = new_span_id();
    const AttributeView attributes[] = {{"url.path", std::string_view("/viewed")}};
    tracer.finish(SpanView{.trace_id = trace_id,
                           .span_id = span_id,
                           .name = name,
                           .kind = SpanKind::kServer,
                           .attributes = attributes},
                  true);
    tracer.finish(SpanView{.trace_id = trace_id, .span_id = span_id, .name = "not sampled"}, false);
    name.assign(name.size(), '#');  // what the view saw is overwritten before the export
  }
  tracer.flush();

  const auto lines = log.taken();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(boost::json::parse(lines[0]).at("span").at("name").as_string(), "GET /viewed");
  std::vector<std::string> requests;
  {
    std::lock_guard lock(state->mutex);
    requests = state->requests;
  }
  ASSERT_EQ(requests.size(), 1u);
  const boost::json::value request = boost::json::parse(requests[0]);
  const auto& span = request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(span.at("name").as_string(), "GET /viewed");
  EXPECT_EQ(span.at("attributes").at(0).at("value").at("stringValue").as_string(), "/viewed");
  EXPECT_EQ(tracer.counts().recorded, 1u);
  EXPECT_EQ(tracer.counts().sampled_out, 1u);
}

TEST(Tracer, SamplesNewTracesAtItsRatio) {
  CapturedLog log;
  EXPECT_TRUE(Tracer({.sample_ratio = 1.0}, log.logger).sample_new_trace());
  EXPECT_FALSE(Tracer({.sample_ratio = 0.0}, log.logger).sample_new_trace());
  Tracer quarter({.sample_ratio = 0.25}, log.logger);
  int sampled = 0;
  for (int i = 0; i < 20'000; ++i) sampled += quarter.sample_new_trace() ? 1 : 0;
  EXPECT_GT(sampled, 4'500);
  EXPECT_LT(sampled, 5'500);
}

TEST(Tracer, ExportsBatchesAsOtlpRequestsNamingTheService) {
  CapturedLog log;
  auto state = std::make_shared<FakeExporter::State>();
  Tracer tracer({.log_spans = false, .service_version = "1.2.3", .max_batch_spans = 2}, log.logger,
                std::make_unique<FakeExporter>(state));
  for (int i = 0; i < 5; ++i) tracer.finish(span_named("span " + std::to_string(i)), true);
  tracer.flush();

  EXPECT_TRUE(log.taken().empty());  // log_spans off
  std::vector<std::string> requests;
  {
    std::lock_guard lock(state->mutex);
    requests = state->requests;
  }
  ASSERT_EQ(requests.size(), 3u);  // 2 + 2 + 1
  int spans = 0;
  for (const auto& request : requests) {
    const auto object = boost::json::parse(request).as_object();
    const auto& resource_spans = object.at("resourceSpans").at(0);
    const auto& attributes = resource_spans.at("resource").at("attributes").as_array();
    EXPECT_EQ(attributes.at(0).at("key").as_string(), "service.name");
    EXPECT_EQ(attributes.at(0).at("value").at("stringValue").as_string(), "subject-service");
    EXPECT_EQ(attributes.at(2).at("value").at("stringValue").as_string(), "1.2.3");
    spans += static_cast<int>(resource_spans.at("scopeSpans").at(0).at("spans").as_array().size());
  }
  EXPECT_EQ(spans, 5);
  EXPECT_EQ(tracer.counts().exported, 5u);
}

TEST(Tracer, NeverWaitsForASlowCollectorAndCountsWhatItDrops) {
  CapturedLog log;
  auto state = std::make_shared<FakeExporter::State>();
  std::promise<void> release;
  state->gate = release.get_future().share();
  Tracer tracer({.log_spans = false, .max_queued_spans = 100, .max_batch_spans = 10}, log.logger,
                std::make_unique<FakeExporter>(state));

  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 1'000; ++i) tracer.finish(span_named("s"), true);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 1s);  // a hung collector would otherwise hold every caller

  release.set_value();
  tracer.flush();
  const TracerCounts counts = tracer.counts();
  EXPECT_EQ(counts.recorded, 1'000u);
  EXPECT_GE(counts.dropped, 890u);  // at most the queue and one batch in flight got through
  EXPECT_EQ(counts.exported + counts.dropped, 1'000u);
}

// A collector that hangs while the service stops holds the stop for one export, not one
// per queued batch: after a failure at stop, the rest is dropped and counted.
TEST(Tracer, AStopWithAHungCollectorTriesOneExportAndDropsTheRest) {
  CapturedLog log;
  auto state = std::make_shared<FakeExporter::State>();
  state->fail = true;
  std::promise<void> release;
  state->gate = release.get_future().share();
  auto tracer = std::make_unique<Tracer>(
      TracerOptions{.log_spans = false, .max_batch_spans = 2, .export_interval = 1h}, log.logger,
      std::make_unique<FakeExporter>(state));
  for (int i = 0; i < 8; ++i) tracer->finish(span_named("s"), true);  // a batch hangs, 3 wait

  std::atomic<bool> stop_called = false;
  std::thread stopping([&] {
    stop_called = true;
    tracer.reset();
  });
  while (!stop_called) std::this_thread::yield();
  std::this_thread::sleep_for(200ms);  // the destructor is waiting on the hung export
  release.set_value();
  stopping.join();
  std::lock_guard lock(state->mutex);
  EXPECT_EQ(state->sends, 1u);
}

TEST(Tracer, DropsAFailedBatchCountsTheFailureAndWarnsOnce) {
  CapturedLog log;
  auto state = std::make_shared<FakeExporter::State>();
  state->fail = true;
  Tracer tracer({.log_spans = false, .max_batch_spans = 2}, log.logger,
                std::make_unique<FakeExporter>(state));
  for (int i = 0; i < 4; ++i) tracer.finish(span_named("s"), true);
  tracer.flush();
  EXPECT_EQ(tracer.counts().export_failures, 2u);
  EXPECT_EQ(tracer.counts().dropped, 4u);
  EXPECT_EQ(log.taken().size(), 1u);  // one warning, not one per batch

  {
    std::lock_guard lock(state->mutex);
    state->fail = false;
  }
  tracer.finish(span_named("s"), true);
  tracer.flush();
  EXPECT_EQ(tracer.counts().exported, 1u);
}

}  // namespace
}  // namespace platform::tracing
