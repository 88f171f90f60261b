#include "api/stale_cache.h"

#include <cstring>
#include <random>

#include "platform/core/swar.h"

namespace api_gateway::api {
namespace {

// splitmix64's finalizer: every bit of the word moves every bit of the result.
std::uint64_t mix(std::uint64_t word) {
  word ^= word >> 30;
  word *= 0xbf58476d1ce4e5b9ULL;
  word ^= word >> 27;
  word *= 0x94d049bb133111ebULL;
  word ^= word >> 31;
  return word;
}

}  // namespace

StaleCache::StaleCache(std::size_t max_bytes)
    : max_bytes_(max_bytes),
      seed_((std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()),
      // Nothing is ever kept without room: then no slots either.
      recent_(max_bytes > 0 ? kRecentSlots : 0) {}

std::uint64_t StaleCache::fingerprint_of(std::string_view key) const {
  std::uint64_t fingerprint = mix(seed_ ^ key.size());
  std::size_t at = 0;
  for (; at + 8 <= key.size(); at += 8) {
    fingerprint = mix(fingerprint ^ platform::core::swar::load(key.data() + at));
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, key.data() + at, key.size() - at);
  return mix(fingerprint ^ tail);
}

void StaleCache::store(const std::string& key, const platform::http::Response& response,
                       Clock::time_point now) {
  if (response.body_source) return;
  std::size_t size = key.size() + response.body.size() + 64;
  for (const auto& field : response.headers) size += field.name.size() + field.value.size();
  if (size > max_bytes_ / 8) return;  // one answer never takes most of the room
  const std::uint64_t fingerprint = fingerprint_of(key);
  std::lock_guard lock(mutex_);
  Recent& recent = recent_slot(fingerprint);
  if (recent.fingerprint == fingerprint && recent.stored != Clock::time_point{} &&
      now - recent.stored < kRefreshAfter) {
    return;
  }
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
  // The entry first, then its place in the order: when either cannot be made, neither is
  // left without the other.
  const auto kept = entries_.emplace(key, Entry{response, now, size, {}}).first;
  try {
    order_.push_back(key);
  } catch (...) {
    entries_.erase(kept);
    throw;
  }
  kept->second.order = std::prev(order_.end());
  bytes_ += size;
  recent = {fingerprint, now};
}

void StaleCache::forget_recent(const std::string& key) {
  const std::uint64_t fingerprint = fingerprint_of(key);
  if (Recent& recent = recent_slot(fingerprint); recent.fingerprint == fingerprint) recent = {};
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
