#include "platform/ratelimit/limiter.h"

#include <arpa/inet.h>

#include <cmath>
#include <future>
#include <utility>

#include "decision_counters.h"
#include "gcra.h"
#include "memory_buckets.h"
#include "platform/metrics/registry.h"

namespace platform::ratelimit {
namespace {

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

class MemoryLimiter final : public Limiter {
 public:
  MemoryLimiter(MemoryLimiterOptions options, metrics::Registry* metrics)
      : buckets_(std::move(options),
                 metrics ? &metrics->counter("ratelimit_evicted_keys_total",
                                             "Rate limit buckets forgotten before they were full "
                                             "(the key cap was reached).")
                         : nullptr) {
    if (metrics) counters_ = std::make_unique<internal::DecisionCounters>(*metrics);
  }

  void decide(const Policy& policy, std::string_view key,
              std::function<void(Decision)> done) override {
    Decision decision = buckets_.take(policy, key, Source::kMemory);
    if (counters_) counters_->count(policy.name, decision.allowed);
    done(decision);
  }

 private:
  internal::MemoryBuckets buckets_;
  std::unique_ptr<internal::DecisionCounters> counters_;
};

}  // namespace

core::Result<void> validate_policy(const Policy& policy) {
  std::vector<core::FieldError> errors;
  if (policy.name.empty() || policy.name.size() > 64 ||
      !std::all_of(policy.name.begin(), policy.name.end(), is_name_character))
    errors.push_back({"name", "must be 1 to 64 letters, digits, '_', '.' or '-'"});
  if (!(policy.rate_per_second >= internal::kMinRate &&
        policy.rate_per_second <= internal::kMaxRate))
    errors.push_back({"rate_per_second", "must be from 0.001 to 1000000"});
  if (policy.burst < 1 || policy.burst > internal::kMaxBurst)
    errors.push_back({"burst", "must be from 1 to 1000000"});
  if (!errors.empty()) return core::Error::invalid_fields(std::move(errors));
  return core::ok();
}

std::string_view to_string(Source source) {
  switch (source) {
    case Source::kMemory:
      return "memory";
    case Source::kRedis:
      return "redis";
    case Source::kLocal:
      return "local";
    case Source::kFailOpen:
      return "open";
    case Source::kFailClosed:
      return "closed";
  }
  return "unknown";
}

Limiter::~Limiter() = default;

Decision decide_blocking(Limiter& limiter, const Policy& policy, std::string_view key) {
  std::promise<Decision> promise;
  auto answer = promise.get_future();
  limiter.decide(policy, key, [&promise](Decision decision) { promise.set_value(decision); });
  return answer.get();
}

std::string caller_key(std::string_view user_id, std::string_view client_ip) {
  if (!user_id.empty()) return "user:" + std::string(user_id);
  const std::string address(client_ip);
  in6_addr v6{};
  if (address.find(':') != std::string::npos && ::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    char text[INET6_ADDRSTRLEN];
    const bool v4_mapped = IN6_IS_ADDR_V4MAPPED(&v6);
    if (v4_mapped) {
      if (::inet_ntop(AF_INET, &v6.s6_addr[12], text, sizeof text))
        return "ip:" + std::string(text);
    } else {
      for (int i = 8; i < 16; ++i) v6.s6_addr[i] = 0;  // the /64
      if (::inet_ntop(AF_INET6, &v6, text, sizeof text)) return "ip:" + std::string(text) + "/64";
    }
  }
  return "ip:" + address;
}

std::unique_ptr<Limiter> make_memory_limiter(MemoryLimiterOptions options,
                                             metrics::Registry* metrics) {
  return std::make_unique<MemoryLimiter>(std::move(options), metrics);
}

}  // namespace platform::ratelimit
