// Tokens verified recently, so that a client's every request does not pay for checking
// its token's signature again (Envoy's jwt_authn keeps such a cache too). An entry serves
// only until the token's own expiry, and every entry goes when the keys change (a key
// withdrawn from the JWKS takes its tokens with it). Bounded: at capacity it starts over.
//
//   if (auto known = cache.find(token, now)) return *known;
//   const auto generation = cache.generation();
//   ... verify ...; cache.remember(token, identity, claims.expires_at, generation);
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/proxy.h"

namespace api_gateway::infrastructure {

class VerifiedTokens {
 public:
  explicit VerifiedTokens(std::size_t capacity = 10'000) : capacity_(capacity) {}

  // The caller `token` names, when it was verified and has not expired at `now_unix`.
  std::optional<api::Identity> find(std::string_view token, std::int64_t now_unix) const;
  // Keeps what a verification started at `generation` found; dropped when the keys
  // changed meanwhile (clear() came in between).
  void remember(std::string_view token, const api::Identity& identity, std::int64_t expires_at,
                std::uint64_t generation);
  std::uint64_t generation() const;
  void clear();
  std::size_t size() const;

 private:
  struct Entry {
    api::Identity identity;
    std::int64_t expires_at = 0;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t generation_ = 0;
};

}  // namespace api_gateway::infrastructure
