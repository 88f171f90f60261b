#include "platform/http/health.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <exception>

namespace platform::http {

void Health::add_check(std::string name, Check check, bool critical) {
  checks_.push_back(Entry{std::move(name), std::move(check), critical});
}

void Health::describe(std::string service, std::string version, std::string commit,
                      std::chrono::steady_clock::time_point started) {
  service_ = std::move(service);
  version_ = std::move(version);
  commit_ = std::move(commit);
  started_ = started;
}

void Health::add_description(boost::json::object& body) const {
  if (!started_) return;
  body["service"] = service_;
  body["version"] = version_;
  body["commit"] = commit_;
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - *started_;
  body["uptime_seconds"] = std::floor(uptime.count() * 1000) / 1000;
}

Response Health::readiness() const {
  if (draining()) {
    boost::json::object body{{"status", "draining"}, {"checks", boost::json::object()}};
    add_description(body);
    return Response::json(503, boost::json::serialize(body))
        .with_header("Cache-Control", "no-store")
        .with_header("Retry-After", "1");
  }
  boost::json::object checks;
  bool critical_down = false;
  bool degraded = false;
  for (const auto& entry : checks_) {
    const auto started = std::chrono::steady_clock::now();
    std::string detail;
    bool up = false;
    // A check is an adapter around a client library: one that throws must report
    // "down", not take the readiness endpoint with it.
    try {
      const auto result = entry.check();
      up = result.has_value();
      if (!up) detail = result.error().detail();
    } catch (const std::exception& error) {
      detail = std::string("check threw: ") + error.what();
    } catch (...) {
      detail = "check threw an unknown exception";
    }
    const std::chrono::duration<double, std::milli> latency =
        std::chrono::steady_clock::now() - started;

    boost::json::object check;
    // A failing non-critical dependency degrades the service: it still serves.
    check["status"] = up ? "up" : (entry.critical ? "down" : "degraded");
    check["latency_ms"] = latency.count();
    if (!up) check["detail"] = detail;
    if (!entry.critical) check["critical"] = false;
    checks[entry.name] = std::move(check);

    if (!up && entry.critical) critical_down = true;
    if (!up && !entry.critical) degraded = true;
  }

  boost::json::object body;
  if (critical_down) {
    body["status"] = "down";
  } else if (degraded) {
    body["status"] = "degraded";
  } else {
    body["status"] = "up";
  }
  body["checks"] = std::move(checks);
  add_description(body);
  return Response::json(critical_down ? 503 : 200, boost::json::serialize(body))
      .with_header("Cache-Control", "no-store");
}

void mount_operational_routes(Router& router, const Health& health,
                              const metrics::Registry& registry) {
  router.get(
      "/health/live",
      [](Request&) {
        return Response::json(200, R"({"status":"up"})").with_header("Cache-Control", "no-store");
      },
      Execution::kInline);
  // Checks block on the network (database ping, peers): worker pool, not the io thread.
  router.get(
      "/health/ready", [&health](Request&) { return health.readiness(); }, Execution::kWorkerPool);
  router.get(
      "/metrics",
      [&registry](Request&) {
        return Response::text(200, registry.render(), "text/plain; version=0.0.4; charset=utf-8");
      },
      Execution::kInline);
}

}  // namespace platform::http
