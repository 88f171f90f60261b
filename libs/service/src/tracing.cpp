#include "platform/service/tracing.h"

#include <charconv>

#include "platform/http/client.h"
#include "platform/service/build_info.h"

namespace platform::service {
namespace {

class OtlpHttpExporter final : public tracing::SpanExporter {
 public:
  OtlpHttpExporter(std::string url, std::chrono::milliseconds timeout)
      : url_(std::move(url)),
        timeout_(timeout),
        client_(http::ClientOptions{.connect_timeout = timeout,
                                    .request_timeout = timeout,
                                    .max_connections_per_host = 2,
                                    .max_idle_connections_per_host = 1,
                                    .peer_name = "otlp-collector"}) {}

  core::Result<void> send(const std::string& request_json) override {
    http::ClientRequest request{.method = "POST", .url = url_, .body = request_json};
    request.headers.add("Content-Type", "application/json");
    auto response = client_.send(std::move(request), {.timeout = timeout_});
    if (!response) return std::move(response).error();
    if (response->status < 200 || response->status > 299) {
      return core::Error::unavailable("the OTLP collector answered " +
                                      std::to_string(response->status));
    }
    return core::ok();
  }

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
  http::Client client_;
};

}  // namespace

std::unique_ptr<tracing::SpanExporter> make_otlp_http_exporter(const std::string& endpoint,
                                                               std::chrono::milliseconds timeout) {
  std::string url = endpoint;
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.ends_with("/v1/traces")) url += "/v1/traces";
  return std::make_unique<OtlpHttpExporter>(std::move(url), timeout);
}

std::unique_ptr<tracing::Tracer> make_tracer(const config::Config& config,
                                             logging::Logger& logger) {
  const std::string& ratio_text = config.get("tracing.sample_ratio");
  double ratio = 1.0;
  std::from_chars(ratio_text.data(), ratio_text.data() + ratio_text.size(), ratio);
  const std::string& endpoint = config.get("otlp.endpoint");
  return std::make_unique<tracing::Tracer>(
      tracing::TracerOptions{.sample_ratio = ratio,
                             .log_spans = config.get("tracing.log_spans") == "true",
                             .service_version = std::string(build_info().version)},
      logger, endpoint.empty() ? nullptr : make_otlp_http_exporter(endpoint));
}

}  // namespace platform::service
