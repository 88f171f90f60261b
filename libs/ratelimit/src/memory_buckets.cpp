#include "memory_buckets.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "gcra.h"

namespace platform::ratelimit::internal {

MemoryBuckets::MemoryBuckets(MemoryLimiterOptions options, metrics::Counter* evictions)
    : options_(std::move(options)), evictions_(evictions) {
  options_.shards = std::max<std::size_t>(options_.shards, 1);
  options_.max_keys = std::max(options_.max_keys, options_.shards);
  if (!options_.clock) options_.clock = Clock::now;
  keys_per_shard_ = options_.max_keys / options_.shards;
  shards_.reserve(options_.shards);
  for (std::size_t i = 0; i < options_.shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

Decision MemoryBuckets::take(const Policy& policy, std::string_view key, Source source) {
  const GcraParameters parameters = GcraParameters::of(policy);
  std::string bucket;
  bucket.reserve(policy.name.size() + 1 + key.size());
  bucket.append(policy.name).push_back('\n');  // a valid policy name has no newline
  bucket.append(key);
  Shard& shard = *shards_[std::hash<std::string>{}(bucket) % shards_.size()];

  const Clock::time_point now_point = options_.clock();
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(now_point.time_since_epoch()).count();

  std::lock_guard lock(shard.mutex);
  if (now_point >= shard.next_sweep) {
    std::erase_if(shard.tats, [now](const auto& entry) { return entry.second <= now; });
    shard.next_sweep = now_point + options_.sweep_interval;
  }
  auto it = shard.tats.find(bucket);
  const GcraStep step = gcra_step(it == shard.tats.end() ? now : it->second, now, parameters);
  if (step.allowed) {
    if (it != shard.tats.end()) {
      it->second = step.tat;
    } else {
      if (shard.tats.size() >= keys_per_shard_) make_room(shard, now);
      shard.tats.emplace(std::move(bucket), step.tat);
    }
  }
  return to_decision(step, parameters, source);
}

// The shard is at its cap: drop the full buckets (no loss), and if that is not enough the
// tenth nearest to full, so that the next evictions are some way off.
void MemoryBuckets::make_room(Shard& shard, std::int64_t now) {
  std::erase_if(shard.tats, [now](const auto& entry) { return entry.second <= now; });
  if (shard.tats.size() < keys_per_shard_) return;
  const std::size_t keep = keys_per_shard_ - std::max<std::size_t>(keys_per_shard_ / 10, 1);
  std::vector<std::int64_t> tats;
  tats.reserve(shard.tats.size());
  for (const auto& entry : shard.tats) tats.push_back(entry.second);
  const auto drop = static_cast<std::ptrdiff_t>(tats.size() - keep);
  std::nth_element(tats.begin(), tats.begin() + (drop - 1), tats.end());
  const std::int64_t threshold = tats[static_cast<std::size_t>(drop - 1)];
  const std::size_t before = shard.tats.size();
  std::erase_if(shard.tats, [threshold](const auto& entry) { return entry.second <= threshold; });
  if (evictions_) evictions_->inc(static_cast<double>(before - shard.tats.size()));
}

std::size_t MemoryBuckets::size() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    total += shard->tats.size();
  }
  return total;
}

}  // namespace platform::ratelimit::internal
