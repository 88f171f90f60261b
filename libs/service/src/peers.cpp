#include "platform/service/peers.h"

#include <stdexcept>

#include "platform/core/strings.h"
#include "platform/core/url.h"
#include "platform/discovery/discovery.h"

namespace platform::service {
namespace {

std::string setting_name(std::string_view service) {
  std::string name(service);
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

std::string url_key(std::string_view service) {
  return "peers." + setting_name(service) + ".url";
}

}  // namespace

void add_peer_settings(config::Schema& schema, const std::vector<std::string>& peers) {
  for (const auto& peer : peers) {
    schema.add(
        {url_key(peer), "",
         "Base URLs of " + peer + ", comma-separated; used when no config-service is configured.",
         [](std::string_view value) -> std::optional<std::string> {
           auto urls = parse_peer_urls(value);
           if (!urls) return urls.error().detail();
           return std::nullopt;
         }});
  }
  schema.add({"peers.timeout_ms", "2000", "A call's deadline when its request has none.",
              config::integer_in(10, 600'000)});
  schema.add({"peers.attempt_timeout_ms", "1000", "Each attempt of a call, at most.",
              config::integer_in(10, 600'000)});
  schema.add({"peers.max_attempts", "3", "Attempts of an idempotent call, retries included.",
              config::integer_in(1, 10)});
  schema.add({"peers.max_concurrent_calls", "64",
              "Calls to one peer in flight at once; more are refused at once (bulkhead).",
              config::integer_in(1, 100'000)});
  schema.add({"peers.max_connections_per_host", "64",
              "Connections to one instance of a peer, in use and idle; calls beyond wait.",
              config::integer_in(1, 100'000)});
  schema.add({"peers.max_idle_connections_per_host", "16",
              "Keep-alive connections kept open to one instance between calls.",
              config::integer_in(0, 100'000)});
  schema.add({"peers.health_check_interval_ms", "5000",
              "Every instance of a peer is asked GET /health/ready this often; one that does "
              "not answer 2xx is passed over until it does. 0: no active checks.",
              config::integer_in(0, 600'000)});
  schema.add({"peers.breaker_open_ms", "5000",
              "How long an open circuit breaker refuses calls before probing.",
              config::integer_in(100, 600'000)});
}

core::Result<std::vector<std::string>> parse_peer_urls(std::string_view text) {
  std::vector<std::string> urls;
  for (auto part : core::split(text, ',')) {
    std::string url(core::trim(part));
    if (url.empty()) continue;
    while (url.size() > 1 && url.back() == '/') url.pop_back();
    auto parsed = http::parse_url(url);
    if (!parsed || parsed->target != "/") {
      return core::Error::invalid_argument(
          "url", "\"" + core::redact_url(url) + "\" is not a base URL such as http://host:8101");
    }
    urls.push_back(std::move(url));
  }
  return urls;
}

resilience::PeerOptions peer_options(const config::Config& config, std::string peer) {
  const auto health_interval = config.get_int("peers.health_check_interval_ms");
  resilience::PeerOptions options{
      .peer = std::move(peer),
      .timeout = std::chrono::milliseconds(config.get_int("peers.timeout_ms")),
      .attempt_timeout = std::chrono::milliseconds(config.get_int("peers.attempt_timeout_ms")),
      .max_attempts = static_cast<int>(config.get_int("peers.max_attempts")),
      .breaker = {.open_duration =
                      std::chrono::milliseconds(config.get_int("peers.breaker_open_ms"))},
      .max_concurrent_calls =
          static_cast<std::size_t>(config.get_int("peers.max_concurrent_calls")),
      .client = {.max_connections_per_host =
                     static_cast<std::size_t>(config.get_int("peers.max_connections_per_host")),
                 .max_idle_connections_per_host = static_cast<std::size_t>(
                     config.get_int("peers.max_idle_connections_per_host"))}};
  if (health_interval > 0) {
    options.health_path = "/health/ready";
    options.health_interval = std::chrono::milliseconds(health_interval);
  }
  return options;
}

Peers::Peers(const Startup& startup, const std::vector<std::string>& services,
             metrics::Registry& registry, const std::shared_ptr<http::EventLoop>& event_loop) {
  const config::Config& config = startup.config;
  const std::string& config_service = config.get("config_service.url");
  if (!config_service.empty()) {
    source_ = "registry";
    discovery_ = std::make_unique<discovery::Discovery>(config_service, services, *startup.logger);
    discovery_->start();
  } else {
    source_ = "settings";
  }
  for (const auto& service : services) {
    resilience::PeerOptions options = peer_options(config, service);
    options.tracer = startup.tracer.get();
    options.client.event_loop = event_loop;
    if (discovery_) {
      options.endpoints = resilience::discovery_urls(*discovery_, service);
      options.preferred_endpoints = resilience::discovery_traffic(*discovery_, service);
    } else {
      auto urls = parse_peer_urls(config.get(url_key(service)));
      if (!urls) throw std::runtime_error(urls.error().detail());
      options.endpoints = resilience::static_urls(std::move(urls).value());
    }
    clients_.emplace(service, std::make_unique<resilience::PeerClient>(
                                  std::move(options), &registry, startup.logger.get()));
  }
}

Peers::~Peers() {
  clients_.clear();  // before the discovery their endpoint lists read
  if (discovery_) discovery_->stop();
}

resilience::PeerClient& Peers::client(const std::string& service) {
  const auto found = clients_.find(service);
  if (found == clients_.end()) throw std::logic_error("not a declared peer: " + service);
  return *found->second;
}

void Peers::add_health_checks(http::Health& health) {
  for (auto& [service, client] : clients_) {
    resilience::PeerClient* peer = client.get();
    health.add_check(
        service,
        [peer, this]() -> core::Result<void> {
          if (peer->instances_known() == 0) {
            return core::Error::unavailable("no instance is known (from the " + source_ + ")");
          }
          if (peer->breaker_state() == resilience::BreakerState::kOpen) {
            return core::Error::unavailable("its circuit breaker is open");
          }
          return {};
        },
        /*critical=*/false);
  }
}

}  // namespace platform::service
