// The buckets of one replica: a sharded map from (policy, caller key) to a TAT. Used by
// the memory limiter and by the Redis limiter's fail mode local.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/metrics/registry.h"
#include "platform/ratelimit/limiter.h"

namespace platform::ratelimit::internal {

class MemoryBuckets {
 public:
  // `evictions` (may be null) counts buckets forgotten before they were full.
  MemoryBuckets(MemoryLimiterOptions options, metrics::Counter* evictions);

  // One request from the bucket of (policy, key); inline, thread-safe.
  Decision take(const Policy& policy, std::string_view key, Source source);
  // Buckets held now (full ones not yet swept included).
  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::int64_t> tats;  // bucket key -> TAT (µs)
    Clock::time_point next_sweep{};
  };

  void make_room(Shard& shard, std::int64_t now);

  MemoryLimiterOptions options_;
  metrics::Counter* evictions_;
  std::size_t keys_per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace platform::ratelimit::internal
