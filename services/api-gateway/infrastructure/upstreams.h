// The gateway's upstreams: one resilient client (breaker, retries within a budget,
// outlier ejection, bulkhead) per upstream service, its instances from the registry or
// from SYL_PEERS_<NAME>_URL, plus one per route that names static URLs.
//
//   Upstreams upstreams(startup, {"subject-service", ...}, registry, event_loop);
//   PeerClient& client = upstreams.client(route);        // throws for an unknown upstream
//   upstreams.add_health_checks(health);                 // "degraded" when one is down
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/route_table.h"
#include "platform/http/health.h"
#include "platform/resilience/peer_client.h"
#include "platform/service/peers.h"

namespace api_gateway::infrastructure {

class Upstreams {
 public:
  // `event_loop`: the server's network threads, on which every upstream call runs (no
  // hand-over to a client thread and back per proxied request); null: the clients' own.
  Upstreams(const platform::service::Startup& startup, const std::vector<std::string>& services,
            platform::metrics::Registry& registry,
            std::shared_ptr<platform::http::EventLoop> event_loop = nullptr);
  ~Upstreams();

  // Throws std::out_of_range when the route names a service the gateway does not know.
  platform::resilience::PeerClient& client(const domain::RouteSpec& route);
  bool knows(const std::string& service) const;
  void add_health_checks(platform::http::Health& health);

 private:
  const platform::service::Startup& startup_;
  platform::metrics::Registry& registry_;
  std::shared_ptr<platform::http::EventLoop> event_loop_;
  std::vector<std::string> services_;
  platform::service::Peers peers_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<platform::resilience::PeerClient>> static_clients_;
};

}  // namespace api_gateway::infrastructure
