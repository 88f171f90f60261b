// ratelimit_decisions_total{policy,outcome}: the two counters of each policy, looked up
// in the registry once.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "platform/metrics/registry.h"

namespace platform::ratelimit::internal {

class DecisionCounters {
 public:
  explicit DecisionCounters(metrics::Registry& registry) : registry_(registry) {}

  void count(const std::string& policy, bool allowed) {
    metrics::Counter* counter = nullptr;
    {
      std::lock_guard lock(mutex_);
      auto it = by_policy_.find(policy);
      if (it == by_policy_.end()) {
        it = by_policy_.emplace(policy, Pair{&make(policy, "allowed"), &make(policy, "denied")})
                 .first;
      }
      counter = allowed ? it->second.allowed : it->second.denied;
    }
    counter->inc();
  }

 private:
  struct Pair {
    metrics::Counter* allowed;
    metrics::Counter* denied;
  };

  metrics::Counter& make(const std::string& policy, const char* outcome) {
    return registry_.counter("ratelimit_decisions_total",
                             "Rate limit decisions, by policy and outcome (allowed or denied).",
                             {{"policy", policy}, {"outcome", outcome}});
  }

  metrics::Registry& registry_;
  std::mutex mutex_;
  std::unordered_map<std::string, Pair> by_policy_;
};

}  // namespace platform::ratelimit::internal
