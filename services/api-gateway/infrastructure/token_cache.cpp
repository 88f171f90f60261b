#include "infrastructure/token_cache.h"

namespace api_gateway::infrastructure {

std::optional<api::Identity> VerifiedTokens::find(std::string_view token,
                                                  std::int64_t now_unix) const {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(std::string(token));
  if (found == entries_.end() || now_unix >= found->second.expires_at) return std::nullopt;
  return found->second.identity;
}

void VerifiedTokens::remember(std::string_view token, const api::Identity& identity,
                              std::int64_t expires_at, std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;
  // Simple and bounded: a full cache starts over (callers re-verify once each).
  if (entries_.size() >= capacity_) entries_.clear();
  entries_.insert_or_assign(std::string(token), Entry{identity, expires_at});
}

std::uint64_t VerifiedTokens::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void VerifiedTokens::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
  ++generation_;
}

std::size_t VerifiedTokens::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace api_gateway::infrastructure
