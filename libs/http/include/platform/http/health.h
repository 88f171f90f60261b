// Liveness, readiness and metrics routes every service mounts.
//
//   Health health;
//   health.add_check("database", [&] { return database.ping(); });
//   mount_operational_routes(router, health, registry);
//
// GET /health/live  -> 200 {"status":"up"} while the process serves HTTP.
// GET /health/ready -> 200 when every critical check passes, else 503 with
//   {"status":"down","checks":{"database":{"status":"down","latency_ms":1.2,"detail":"..."}}}.
//   A failing non-critical check reports "degraded" and keeps the answer 200. After
//   describe(), both answers also say which build runs and for how long ("service",
//   "version", "commit", "uptime_seconds"). Once the
//   server begins to stop (ServerOptions::health), 503 {"status":"draining"}: load
//   balancers and probes stop sending new work before the listener closes.
// GET /metrics      -> Prometheus text.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/result.h"
#include "platform/http/router.h"
#include "platform/metrics/registry.h"

namespace boost::json {
class object;
}

namespace platform::http {

class Health {
 public:
  using Check = std::function<core::Result<void>()>;
  void add_check(std::string name, Check check, bool critical = true);
  // What readiness tells about the process besides its checks. Call before serving.
  void describe(std::string service, std::string version, std::string commit,
                std::chrono::steady_clock::time_point started);
  // Runs every check (in order) and renders the readiness answer.
  Response readiness() const;
  // From now on readiness answers 503 "draining" (the server calls it when stopping).
  void begin_draining() { draining_.store(true); }
  bool draining() const { return draining_.load(); }

 private:
  struct Entry {
    std::string name;
    Check check;
    bool critical;
  };
  void add_description(boost::json::object& body) const;

  std::vector<Entry> checks_;
  std::atomic<bool> draining_{false};
  std::string service_;
  std::string version_;
  std::string commit_;
  std::optional<std::chrono::steady_clock::time_point> started_;
};

void mount_operational_routes(Router& router, const Health& health,
                              const metrics::Registry& registry);

}  // namespace platform::http
