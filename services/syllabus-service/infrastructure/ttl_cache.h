// A small map of values that are served for at most `ttl` after they were loaded, and
// dropped at once when the process learns they changed. For read paths whose source of
// truth is the database: what this process writes it invalidates itself; what another
// instance writes is seen after at most `ttl`.
//
//   TtlCache<Uuid, Syllabus> cache(std::chrono::milliseconds(1000), 100'000);
//   if (auto hit = cache.get(id)) return *hit;
//   auto loaded = load(id);
//   cache.put(id, loaded, generation);   // generation: cache.generation() before loading
//   cache.erase(id);                     // after a write
//
// A load that raced with a write (it read the old value, the write's erase came first)
// must not put the old value back: put() refuses a value loaded before the latest erase
// of any key (the generation), so a stale entry lives no longer than the load's own race.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "platform/core/background_task.h"
#include "platform/core/uuid.h"

namespace syllabus_service::infrastructure {

template <typename Key, typename Value, typename Hash = std::hash<Key>>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  TtlCache(std::chrono::milliseconds ttl, std::size_t max_entries,
           std::function<Clock::time_point()> now = Clock::now)
      : ttl_(ttl), max_entries_(max_entries), now_(std::move(now)) {}

  bool enabled() const { return ttl_.count() > 0; }

  std::optional<Value> get(const Key& key) {
    auto hit = lookup(key);
    if (!hit) return std::nullopt;
    return std::move(hit->value);
  }

  // A value younger than ttl, and whether it is past 3/4 of it (refresh it ahead, so that
  // a value read all the time never expires under its readers). `refresh` is true once per
  // load, for the first reader past the half.
  struct Hit {
    Value value;
    bool refresh = false;
  };
  std::optional<Hit> lookup(const Key& key) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(key);
    if (found == entries_.end()) return std::nullopt;
    const auto age = now_() - found->second.loaded_at;
    if (age > ttl_) {
      entries_.erase(found);
      return std::nullopt;
    }
    Hit hit{found->second.value};
    if (age > ttl_ * 3 / 4 && !found->second.refresh_asked) {
      found->second.refresh_asked = true;
      hit.refresh = true;
    }
    return hit;
  }

  // The generation to pass to put() for a value about to be loaded.
  std::uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  void put(const Key& key, Value value, std::uint64_t loaded_at_generation) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    if (loaded_at_generation != generation_) return;        // a write happened meanwhile
    if (entries_.size() >= max_entries_) entries_.clear();  // bounded; refills as read
    entries_.insert_or_assign(key, Entry{std::move(value), now_(), false});
  }

  // The value held for `key`, however old (for a refresh to compare with); no expiry.
  std::optional<Value> peek(const Key& key) const {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(key);
    if (found == entries_.end()) return std::nullopt;
    return found->second.value;
  }

  // The value held is still right (its source said so): served for another ttl, unless a
  // write came since `loaded_at_generation`.
  void renew(const Key& key, std::uint64_t loaded_at_generation) {
    std::lock_guard lock(mutex_);
    if (loaded_at_generation != generation_) return;
    const auto found = entries_.find(key);
    if (found == entries_.end()) return;
    found->second.loaded_at = now_();
    found->second.refresh_asked = false;
  }

  void erase(const Key& key) {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.erase(key);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point loaded_at;
    bool refresh_asked;
  };

  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::unordered_map<Key, Entry, Hash> entries_;
};

// Reloads keys on a thread of its own, for TtlCache's refresh-ahead: readers never wait
// for it. Requests beyond `max_queued` waiting are dropped (the value then just expires).
template <typename Key, typename Hash = std::hash<Key>>
class Refresher {
 public:
  Refresher(std::string name, std::function<void(const Key&)> reload,
            std::size_t max_queued = 10'000)
      : reload_(std::move(reload)),
        max_queued_(max_queued),
        task_(std::make_unique<platform::core::BackgroundTask>(
            std::move(name), [this](platform::core::BackgroundTask&) { return step(); })) {}
  ~Refresher() { stop(); }
  Refresher(const Refresher&) = delete;
  Refresher& operator=(const Refresher&) = delete;

  void start() { task_->start(); }
  void stop() { task_->stop(); }

  // Safe from any thread, the network threads included: never blocks for long.
  void request(const Key& key) {
    {
      std::lock_guard lock(mutex_);
      if (queued_.size() >= max_queued_ || !queued_.insert(key).second) return;
      order_.push_back(key);
    }
    task_->wake();
  }

 private:
  platform::core::Pause step() {
    for (;;) {
      Key key;
      {
        std::lock_guard lock(mutex_);
        if (order_.empty()) break;
        key = order_.front();
        order_.pop_front();
        queued_.erase(key);
      }
      reload_(key);
    }
    return std::chrono::hours(1);  // until the next request wakes it
  }

  std::function<void(const Key&)> reload_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::deque<Key> order_;
  std::unordered_set<Key, Hash> queued_;
  std::unique_ptr<platform::core::BackgroundTask> task_;  // last: its thread uses the rest
};

}  // namespace syllabus_service::infrastructure
