#include "infrastructure/limits.h"

#include "platform/ratelimit/headers.h"

namespace api_gateway::infrastructure {

void decide(platform::ratelimit::Limiter& limiter, const domain::RateLimitPolicy& policy,
            const std::string& user_id, const std::string& client_address,
            std::function<void(api::LimitDecision)> done) {
  platform::ratelimit::Policy limit{
      .name = policy.name, .rate_per_second = policy.requests_per_second, .burst = policy.burst};
  // Per user when the caller is known, else per address (an IPv6 client by its /64).
  limiter.decide(
      limit, platform::ratelimit::caller_key(user_id, client_address),
      [limit, done = std::move(done)](platform::ratelimit::Decision&& decision) {
        api::LimitDecision answer;
        answer.allowed = decision.allowed;
        answer.backend_failed_closed = decision.source == platform::ratelimit::Source::kFailClosed;
        answer.retry_after = decision.retry_after;
        for (auto& [name, value] : platform::ratelimit::rate_limit_headers(limit, decision)) {
          // Retry-After is the proxy's to set, on refusals only.
          if (name != "Retry-After") answer.headers.emplace_back(std::move(name), std::move(value));
        }
        done(std::move(answer));
      });
}

}  // namespace api_gateway::infrastructure
