#include "platform/http/retry.h"

#include <algorithm>
#include <thread>

namespace platform::http {

using std::chrono::milliseconds;

bool is_not_now(const core::Result<ClientResponse>& result, const RetryPolicy& policy) {
  const bool transient = policy.retry == RetryPolicy::Retry::kTransientFailures;
  if (!result) {
    // The request's own body failed: sending it again would fail the same way.
    if (result.error().request_body_failed()) return false;
    const auto code = result.error().code();
    return transient &&
           (code == core::ErrorCode::kUnavailable || code == core::ErrorCode::kDeadlineExceeded);
  }
  const int status = result->status;
  return status == 429 || (transient && (status == 502 || status == 503 || status == 504));
}

std::string describe_answer(const ClientResponse& response) {
  if (const auto problem = response.problem()) {
    std::string text = std::to_string(problem->status) + " " + problem->title;
    if (!problem->detail.empty()) text += ": " + problem->detail;
    return text;
  }
  return std::to_string(response.status);
}

std::string describe_answer(const core::Result<ClientResponse>& result) {
  return result ? describe_answer(*result) : result.error().detail();
}

core::Result<ClientResponse> send_with_retries(
    Client& client, const std::function<core::Result<ClientRequest>()>& make_request,
    const CallOptions& options, const RetryPolicy& policy, int* attempts) {
  milliseconds backoff = policy.first_backoff;
  milliseconds waited{0};
  for (int attempt = 1;; ++attempt) {
    auto request = make_request();
    if (!request) return std::move(request).error();
    if (attempts != nullptr) *attempts = attempt;
    auto result = client.send(std::move(*request), options);
    if (!is_not_now(result, policy) || attempt >= policy.max_attempts) return result;
    const auto asked = result ? result->retry_after() : std::nullopt;
    const milliseconds pause =
        std::clamp<milliseconds>(asked ? milliseconds(*asked) : backoff, policy.shortest_pause,
                                 std::max(policy.shortest_pause, policy.longest_pause));
    if (waited + pause > policy.max_waiting) return result;
    if (policy.on_retry) policy.on_retry(describe_answer(result), pause);
    std::this_thread::sleep_for(pause);
    waited += pause;
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
}

}  // namespace platform::http
