#include "platform/resilience/endpoints.h"

#include <algorithm>
#include <utility>

#include "platform/discovery/discovery.h"

namespace platform::resilience {

EndpointSource static_urls(std::vector<std::string> urls) {
  return [urls = std::move(urls)] { return urls; };
}

EndpointSource discovery_traffic(discovery::Discovery& discovery, std::string service) {
  return [&discovery, service = std::move(service)] { return discovery.traffic_urls(service); };
}

EndpointSource discovery_urls(discovery::Discovery& discovery, std::string service) {
  return [&discovery, service = std::move(service)] {
    std::vector<std::string> urls;
    for (const auto& instance : discovery.instances(service)) urls.push_back(instance.url);
    return urls;
  };
}

Endpoints::Endpoints(EndpointSource source, OutlierOptions options, OnEjection on_ejection,
                     ClockFunction clock)
    : source_(std::move(source)),
      options_(options),
      on_ejection_(std::move(on_ejection)),
      clock_(std::move(clock)) {
  options_.consecutive_failures = std::max<std::size_t>(1, options_.consecutive_failures);
}

std::optional<std::string> Endpoints::choose(const std::vector<std::string>& urls,
                                             const std::string& avoid, Clock::time_point now) {
  const auto failing = [this](const std::string& url) {
    const auto found = health_.find(url);
    return found != health_.end() && found->second.failing_checks;
  };
  // Instances that failed their health check are skipped while one passes (nothing to
  // look at on a call while every check passes).
  const bool skip_failing = failing_checks_ > 0 && !std::all_of(urls.begin(), urls.end(), failing);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[(next_ + i) % urls.size()];
    const auto found = health_.find(url);
    if (found != health_.end() && found->second.ejected_until > now) continue;
    if (skip_failing && failing(url)) continue;
    if (url == avoid) continue;
    next_ = (next_ + i + 1) % urls.size();
    return url;
  }
  return std::nullopt;
}

std::optional<std::string> Endpoints::pick(const std::string& avoid) {
  const std::vector<std::string> urls = source_();
  if (urls.empty()) return std::nullopt;
  std::vector<std::string> preferred = preferred_ ? preferred_() : std::vector<std::string>{};
  std::erase_if(preferred, [&urls](const std::string& url) {
    return std::find(urls.begin(), urls.end(), url) == urls.end();
  });
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  if (!preferred.empty()) {
    if (auto url = choose(preferred, avoid, now)) return url;
  }
  if (auto url = choose(urls, avoid, now)) return url;
  // Only `avoid` is usable: call it again rather than an ejected one.
  if (!avoid.empty() && std::find(urls.begin(), urls.end(), avoid) != urls.end()) {
    const auto found = health_.find(avoid);
    if (found == health_.end() || found->second.ejected_until <= now) return avoid;
  }
  // Every instance is ejected (the list shrank under the ejections): still call one.
  next_ = (next_ + 1) % urls.size();
  return urls[next_];
}

void Endpoints::record(const std::string& url, bool failure) {
  std::optional<std::chrono::milliseconds> ejected_for;
  const std::vector<std::string> urls = failure ? source_() : std::vector<std::string>{};
  {
    const auto now = clock_();
    std::lock_guard lock(mutex_);
    Health& health = health_[url];
    if (!failure) {
      // Back and clean for a while since its last ejection: forgive one step of penalty.
      if (health.times_ejected > 0 && now >= health.ejected_until + options_.base_ejection) {
        --health.times_ejected;
        health.ejected_until = now;  // the next step needs another base_ejection clean
      }
      health.consecutive_failures = 0;
      return;
    }
    if (++health.consecutive_failures < options_.consecutive_failures) return;
    if (health.ejected_until > now) return;  // already out
    std::size_t ejected = 0;
    for (const auto& known : urls) {
      const auto found = health_.find(known);
      if (found != health_.end() && found->second.ejected_until > now) ++ejected;
    }
    const auto allowed =
        static_cast<std::size_t>(options_.max_ejected_fraction * static_cast<double>(urls.size()));
    if (ejected + 1 > allowed) return;
    const auto penalty =
        std::min(options_.base_ejection * (health.times_ejected + 1), options_.max_ejection);
    ++health.times_ejected;
    health.consecutive_failures = 0;
    health.ejected_until = now + penalty;
    ejected_for = penalty;
  }
  if (ejected_for && on_ejection_) on_ejection_(url, *ejected_for);
}

std::size_t Endpoints::ejected_count() {
  const auto now = clock_();
  const std::vector<std::string> urls = source_();
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(urls.begin(), urls.end(), [&](const auto& url) {
    const auto found = health_.find(url);
    return found != health_.end() && found->second.ejected_until > now;
  }));
}

bool Endpoints::set_healthy(const std::string& url, bool healthy) {
  std::lock_guard lock(mutex_);
  Health& health = health_[url];
  if (health.failing_checks == !healthy) return false;
  health.failing_checks = !healthy;
  failing_checks_ += healthy ? -1 : 1;
  return true;
}

std::size_t Endpoints::unhealthy_count() {
  const std::vector<std::string> urls = source_();
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(urls.begin(), urls.end(), [this](const auto& url) {
    const auto found = health_.find(url);
    return found != health_.end() && found->second.failing_checks;
  }));
}

}  // namespace platform::resilience
