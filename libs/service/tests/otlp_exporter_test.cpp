// The OTLP/HTTP exporter against a real HTTP collector (the platform's own server): what it
// sends, how it reads the answer, and that a slow collector never holds a traced request.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "platform/http/server.h"
#include "platform/service/tracing.h"

namespace platform::service {
namespace {

using namespace std::chrono_literals;

class Collector {
 public:
  explicit Collector(int status = 200, std::chrono::milliseconds delay = 0ms) {
    http::Router router;
    router.post("/otlp/v1/traces", [this, status, delay](http::Request& request) {
      std::this_thread::sleep_for(delay);
      std::lock_guard lock(mutex_);
      content_types_.emplace_back(request.headers.get("Content-Type"));
      bodies_.push_back(request.body);
      return http::Response::json(status, "{}");
    });
    server_ = std::make_unique<http::Server>(http::ServerOptions{.worker_threads = 4},
                                             std::move(router), logger_, registry_);
    port_ = server_->start();
  }
  ~Collector() { server_->stop(); }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_) + "/otlp/"; }
  std::vector<std::string> bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(mutex_);
    return content_types_;
  }

 private:
  logging::Logger logger_{"collector", "collector-1", logging::Level::kError,
                          [](std::string_view) {}};
  metrics::Registry registry_;
  mutable std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<std::string> content_types_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
};

tracing::Span a_span() {
  return {.trace_id = tracing::new_trace_id(),
          .span_id = tracing::new_span_id(),
          .name = "GET /subjects/{id}",
          .kind = tracing::SpanKind::kServer,
          .start_unix_nano = tracing::now_unix_nanos(),
          .end_unix_nano = tracing::now_unix_nanos()};
}

TEST(OtlpHttpExporter, PostsJsonToTheTracesPathOfTheEndpoint) {
  Collector collector;
  auto exporter = make_otlp_http_exporter(collector.endpoint());
  ASSERT_TRUE(exporter->send(R"({"resourceSpans":[]})"));
  ASSERT_EQ(collector.bodies().size(), 1u);
  EXPECT_EQ(collector.bodies()[0], R"({"resourceSpans":[]})");
  EXPECT_EQ(collector.content_types()[0], "application/json");
}

TEST(OtlpHttpExporter, ACollectorsErrorIsAnError) {
  Collector collector(503);
  auto sent = make_otlp_http_exporter(collector.endpoint())->send("{}");
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().detail().find("503"), std::string::npos);
  EXPECT_FALSE(make_otlp_http_exporter("http://127.0.0.1:1/", 500ms)->send("{}"));
}

TEST(OtlpHttpExporter, CarriesATracersSpansAsOtlpRequests) {
  Collector collector;
  logging::Logger logger("subject-service", "s-1", logging::Level::kError, [](std::string_view) {});
  tracing::Tracer tracer({.log_spans = false}, logger,
                         make_otlp_http_exporter(collector.endpoint()));
  for (int i = 0; i < 3; ++i) tracer.finish(a_span(), true);
  tracer.flush();
  std::size_t spans = 0;
  for (const auto& body : collector.bodies()) {
    const auto request = boost::json::parse(body);
    spans += request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size();
  }
  EXPECT_EQ(spans, 3u);
  EXPECT_EQ(tracer.counts().exported, 3u);
}

TEST(OtlpHttpExporter, ASlowCollectorNeverHoldsTheSpansFinisher) {
  Collector collector(200, 1500ms);
  logging::Logger logger("subject-service", "s-1", logging::Level::kError, [](std::string_view) {});
  tracing::Tracer tracer({.log_spans = false, .max_queued_spans = 50, .max_batch_spans = 10},
                         logger, make_otlp_http_exporter(collector.endpoint(), 300ms));
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i) tracer.finish(a_span(), true);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 250ms);
  tracer.flush();
  const auto counts = tracer.counts();
  EXPECT_GE(counts.export_failures, 1u);  // the collector took longer than the timeout
  EXPECT_GE(counts.dropped, 440u);        // the queue held 50 at most
  EXPECT_EQ(counts.exported + counts.dropped, 500u);
}

}  // namespace
}  // namespace platform::service
