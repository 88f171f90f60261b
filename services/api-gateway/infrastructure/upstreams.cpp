#include "infrastructure/upstreams.h"

#include <algorithm>
#include <stdexcept>

namespace api_gateway::infrastructure {

Upstreams::Upstreams(const platform::service::Startup& startup,
                     const std::vector<std::string>& services,
                     platform::metrics::Registry& registry,
                     std::shared_ptr<platform::http::EventLoop> event_loop)
    : startup_(startup),
      registry_(registry),
      event_loop_(event_loop),
      services_(services),
      peers_(startup, services, registry, std::move(event_loop)) {}

Upstreams::~Upstreams() = default;

bool Upstreams::knows(const std::string& service) const {
  return std::find(services_.begin(), services_.end(), service) != services_.end();
}

platform::resilience::PeerClient& Upstreams::client(const domain::RouteSpec& route) {
  if (!route.upstream.empty()) {
    if (!knows(route.upstream))
      throw std::out_of_range("the gateway knows no upstream named " + route.upstream);
    return peers_.client(route.upstream);
  }
  // Static URLs: a client per distinct list, made on first use and kept (a route reload
  // that keeps the list keeps its breaker state).
  std::string key = route.name;
  for (const auto& url : route.urls) key += "|" + url;
  std::lock_guard lock(mutex_);
  auto& slot = static_clients_[key];
  if (!slot) {
    auto options = platform::service::peer_options(startup_.config, route.name);
    options.tracer = startup_.tracer.get();
    options.client.event_loop = event_loop_;
    options.endpoints = platform::resilience::static_urls(route.urls);
    slot = std::make_unique<platform::resilience::PeerClient>(std::move(options), &registry_,
                                                              startup_.logger.get());
  }
  return *slot;
}

void Upstreams::add_health_checks(platform::http::Health& health) {
  peers_.add_health_checks(health);
}

}  // namespace api_gateway::infrastructure
