#include "api/stale_cache.h"

#include <functional>
#include <string_view>

namespace api_gateway::api {
namespace {

std::size_t hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

}  // namespace

void StaleCache::store(const std::string& key, const platform::http::Response& response,
                       Clock::time_point now) {
  if (response.body_source) return;
  const std::size_t hash = hash_of(key);
  std::lock_guard lock(mutex_);
  Recent& recent = recent_slot(hash);
  if (recent.hash == hash && recent.stored != Clock::time_point{} &&
      now - recent.stored < kRefreshAfter) {
    return;
  }
  std::size_t size = key.size() + response.body.size() + 64;
  for (const auto& field : response.headers) size += field.name.size() + field.value.size();
  if (size > max_bytes_ / 8) return;  // one answer never takes most of the room
  if (const auto found = entries_.find(key); found != entries_.end()) {
    // A copy this fresh serves as well: most reads need not pay for another.
    if (now - found->second.stored < kRefreshAfter) return;
    bytes_ -= found->second.size;
    order_.erase(found->second.order);
    entries_.erase(found);
  }
  while (bytes_ + size > max_bytes_ && !order_.empty()) {
    const auto oldest = entries_.find(order_.front());
    forget_recent(oldest->first);
    bytes_ -= oldest->second.size;
    entries_.erase(oldest);
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(key, Entry{response, now, size, std::prev(order_.end())});
  bytes_ += size;
  recent = {hash, now};
}

void StaleCache::forget_recent(const std::string& key) {
  const std::size_t hash = hash_of(key);
  if (Recent& recent = recent_slot(hash); recent.hash == hash) recent = {};
}

std::optional<StaleCache::Stale> StaleCache::find(const std::string& key, Clock::time_point now,
                                                  std::chrono::seconds max_stale) const {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end()) return std::nullopt;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - found->second.stored);
  if (age > max_stale) return std::nullopt;
  return Stale{found->second.response, age};
}

std::size_t StaleCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace api_gateway::api
