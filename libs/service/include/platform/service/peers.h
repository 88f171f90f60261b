// How a service reaches the services it depends on, the same way everywhere: one
// resilience::PeerClient per peer, its instances from the registry (with a config-service)
// or from settings (without one), and a readiness check per peer that reports a peer
// in trouble as "degraded" without failing readiness (the service can still serve).
//
//   config::Schema schema = common_schema(kService, 8103);
//   add_peer_settings(schema, {"subject-service", "file-service"});
//   ...
//   Peers peers(startup, {"subject-service", "file-service"}, registry);
//   peers.add_health_checks(health);
//   resilience::PeerClient& subjects = peers.client("subject-service");
//
// Settings, per peer (a name's '-' becomes '_'):
//   peers.<name>.url   comma-separated base URLs (SYL_PEERS_SUBJECT_SERVICE_URL); used
//                      when config_service.url is empty, ignored otherwise
// and for all of them: peers.timeout_ms (a call's deadline when its request has none),
// peers.attempt_timeout_ms, peers.max_attempts, peers.max_concurrent_calls (the
// bulkhead), peers.max_connections_per_host, peers.max_idle_connections_per_host,
// peers.breaker_open_ms.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/config/config.h"
#include "platform/http/event_loop.h"
#include "platform/http/health.h"
#include "platform/metrics/registry.h"
#include "platform/resilience/peer_client.h"
#include "platform/service/startup.h"

namespace platform::discovery {
class Discovery;
}

namespace platform::service {

void add_peer_settings(config::Schema& schema, const std::vector<std::string>& peers);

// "http://a:8101, http://b:8101" -> the URLs, without trailing slashes; kInvalidArgument
// naming the bad one.
core::Result<std::vector<std::string>> parse_peer_urls(std::string_view text);

// A peer's client options from the peers.* settings (timeouts, attempts, bulkhead,
// connections, breaker); its endpoints are the caller's to set.
resilience::PeerOptions peer_options(const config::Config& config, std::string peer);

class Peers {
 public:
  // Throws std::runtime_error for a bad peers.<name>.url (start-up is the place to fail).
  // `event_loop`: the server's network threads for the clients' calls (a proxy; see
  // http/event_loop.h); null: threads of each client's own.
  Peers(const Startup& startup, const std::vector<std::string>& services,
        metrics::Registry& registry, const std::shared_ptr<http::EventLoop>& event_loop = nullptr);
  ~Peers();
  Peers(const Peers&) = delete;
  Peers& operator=(const Peers&) = delete;

  resilience::PeerClient& client(const std::string& service);
  // A non-critical check per peer: down (degraded) when no instance is known or its
  // breaker is open.
  void add_health_checks(http::Health& health);
  // "registry" or "settings": where the instances come from.
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::unique_ptr<discovery::Discovery> discovery_;
  std::map<std::string, std::unique_ptr<resilience::PeerClient>> clients_;
};

}  // namespace platform::service
