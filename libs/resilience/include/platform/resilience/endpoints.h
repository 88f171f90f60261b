// The instances of one peer service and which of them to call next: round robin over the
// healthy ones, skipping an instance that failed repeatedly (outlier ejection).
//
//   Endpoints endpoints(static_urls({"http://10.0.0.1:8101", "http://10.0.0.2:8101"}), {});
//   auto url = endpoints.pick();            // nullopt: no instance known
//   endpoints.record(*url, /*failure=*/true);
//
// An instance with `consecutive_failures` failures in a row is ejected for
// base_ejection · (times ejected before + 1), up to max_ejection; a success resets its
// count, and an instance that comes back clean is forgiven one step of its penalty. At
// most max_ejected_fraction of the instances are ejected at once (never the only one): a
// peer whose every instance fails is the circuit breaker's business, not ejection's.
// Active health checks (PeerOptions::health_path) mark instances unhealthy: passed over
// like ejected ones while a healthy one is left.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "platform/resilience/circuit_breaker.h"

namespace platform::discovery {
class Discovery;
}

namespace platform::resilience {

// Where the instances come from: a fixed list (settings) or the registry (discovery).
// Called on every pick: keep it cheap (a cached copy).
using EndpointSource = std::function<std::vector<std::string>()>;
EndpointSource static_urls(std::vector<std::string> urls);
// The healthy instances of `service` that `discovery` (started, watching it) last saw.
EndpointSource discovery_urls(discovery::Discovery& discovery, std::string service);
// Which of those the next call should prefer under the service's blue-green traffic split
// (Discovery::traffic_urls): called once per pick; empty means any.
EndpointSource discovery_traffic(discovery::Discovery& discovery, std::string service);

struct OutlierOptions {
  std::size_t consecutive_failures = 5;
  std::chrono::milliseconds base_ejection{10'000};
  std::chrono::milliseconds max_ejection{300'000};
  double max_ejected_fraction = 0.5;
};

class Endpoints {
 public:
  // Called (outside the lock) when an instance is ejected.
  using OnEjection = std::function<void(const std::string& url, std::chrono::milliseconds)>;

  Endpoints(EndpointSource source, OutlierOptions options, OnEjection on_ejection = {},
            ClockFunction clock = Clock::now);

  // `preferred`, called once per pick, narrows that pick to some of the known instances
  // (a blue-green traffic split); empty, or when none of them can take the call, it is
  // made among all.
  void set_preferred(EndpointSource preferred) { preferred_ = std::move(preferred); }

  // The next instance to call, round robin over those not ejected; nullopt when the
  // source knows none. `avoid` (the instance that just failed) is skipped when another is
  // available.
  std::optional<std::string> pick(const std::string& avoid = {});
  // The outcome of a call to `url` (a connection error, timeout or 5xx is a failure).
  void record(const std::string& url, bool failure);

  // An active health check's verdict on `url`: an instance that failed its last check is
  // passed over while another has not. Returns whether the verdict changed.
  bool set_healthy(const std::string& url, bool healthy);
  std::size_t ejected_count();
  std::size_t unhealthy_count();
  std::vector<std::string> known() const { return source_(); }

 private:
  struct Health {
    std::size_t consecutive_failures = 0;
    std::uint32_t times_ejected = 0;
    Clock::time_point ejected_until{};
    bool failing_checks = false;  // its last active health check failed
  };

  // A usable instance among `urls` (lock held), or nullopt when each is ejected, failing
  // its checks while another passes, or `avoid`.
  std::optional<std::string> choose(const std::vector<std::string>& urls, const std::string& avoid,
                                    Clock::time_point now);

  EndpointSource source_;
  EndpointSource preferred_;
  OutlierOptions options_;
  OnEjection on_ejection_;
  ClockFunction clock_;
  std::mutex mutex_;
  std::map<std::string, Health> health_;
  std::ptrdiff_t failing_checks_ = 0;  // instances in health_ whose last check failed
  std::size_t next_ = 0;
};

}  // namespace platform::resilience
