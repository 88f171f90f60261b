// The last good answers of cacheable GET routes, served when the upstream fails
// (stale-if-error, RFC 5861) with their Age. Bounded by bytes; the oldest go first.
//
//   cache.store(key, response, now);
//   if (auto stale = cache.find(key, now, route.stale_if_error)) respond(*stale);
//
// A key names what a caller may see: the target and the caller's access (anonymous, or
// its roles), so that an answer is never served to a caller who could not have had it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/http/message.h"

namespace api_gateway::api {

class StaleCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit StaleCache(std::size_t max_bytes);

  // A kept answer younger than this is not replaced (the copy costs more than it gains).
  static constexpr std::chrono::seconds kRefreshAfter{1};

  // Keeps a copy of a buffered answer (streamed ones are not kept).
  void store(const std::string& key, const platform::http::Response& response,
             Clock::time_point now);
  // The kept answer when younger than `max_stale`, with its age.
  struct Stale {
    platform::http::Response response;
    std::chrono::seconds age;
  };
  std::optional<Stale> find(const std::string& key, Clock::time_point now,
                            std::chrono::seconds max_stale) const;
  std::size_t bytes() const;

 private:
  struct Entry {
    platform::http::Response response;
    Clock::time_point stored;
    std::size_t size = 0;
    std::list<std::string>::iterator order;
  };
  // Which key each slot last kept, by its fingerprint, and when. Most reads of a cacheable
  // route find their copy fresh and store nothing; this tells them so from one small array
  // (64 KiB, beside the bytes of the answers) rather than from the map's large nodes, apart
  // in memory (a miss of the CPU's cache or three each: 1 % of the gateway's time, in
  // docs/benchmarks.md). Two keys sharing a slot only send each other to the map. The
  // fingerprint is seeded at random: a key holds a client's target, and a client that
  // could make two keys with one fingerprint could keep the other's copy from being kept.
  struct Recent {
    std::uint64_t fingerprint = 0;
    Clock::time_point stored{};
  };
  static constexpr std::size_t kRecentSlots = 4096;
  std::uint64_t fingerprint_of(std::string_view key) const;
  Recent& recent_slot(std::uint64_t fingerprint) { return recent_[fingerprint % kRecentSlots]; }
  void forget_recent(const std::string& key);

  std::size_t max_bytes_;
  std::uint64_t seed_;
  mutable std::mutex mutex_;
  std::vector<Recent> recent_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
  std::size_t bytes_ = 0;
};

}  // namespace api_gateway::api
