// The rate limiter (platform::ratelimit) as the proxy asks it: a route's policy and the
// caller's key in, the decision and its RateLimit headers out.
//
//   decide(limiter, policy, "alice", "127.0.0.1", [](api::LimitDecision decision) { ... });
#pragma once

#include <functional>
#include <string>

#include "api/proxy.h"
#include "domain/route_table.h"
#include "platform/ratelimit/limiter.h"

namespace api_gateway::infrastructure {

void decide(platform::ratelimit::Limiter& limiter, const domain::RateLimitPolicy& policy,
            const std::string& user_id, const std::string& client_address,
            std::function<void(api::LimitDecision)> done);

}  // namespace api_gateway::infrastructure
