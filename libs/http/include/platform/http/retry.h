// A polite client's retries, for tools that call the platform in bulk (sylctl seed,
// sylmigrate): an answer that says "not now" is sent again after the pause the server
// named (Retry-After) or, without one, after an exponential backoff, within a bound of
// attempts and of total waiting. Blocking: for tools and worker threads, never a network
// thread. Services call their peers through PeerClient (libs/resilience), which has its
// own budgeted retries; this is not for them.
//
//   RetryPolicy polite{.max_attempts = 8, .on_retry = [](const std::string& why, auto pause) {
//     std::cerr << why << ", again in " << pause.count() << " ms\n"; }};
//   auto response = send_with_retries(client, [&] { return make_request(); }, {}, polite);
//
// "Not now" is a 429, or with Retry::kTransientFailures also a 502, 503 or 504 and a
// transport failure that may pass (kUnavailable: refused, reset; kDeadlineExceeded), but
// never a failure of the request's own body (Error::request_body_failed). A request is
// made afresh for each attempt (a streamed body cannot be read twice).
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "platform/core/result.h"
#include "platform/http/client.h"

namespace platform::http {

struct RetryPolicy {
  enum class Retry {
    kRateLimitsOnly,     // 429 only
    kTransientFailures,  // 429, 502, 503, 504, kUnavailable, kDeadlineExceeded
  };
  Retry retry = Retry::kTransientFailures;
  int max_attempts = 5;
  // The pauses together never exceed this: the last "not now" stands instead.
  std::chrono::milliseconds max_waiting{std::chrono::minutes(2)};
  // The pause after an answer without Retry-After: first_backoff, doubled each time up to
  // max_backoff.
  std::chrono::milliseconds first_backoff{250};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
  // Every pause, asked for or not, is kept within these.
  std::chrono::milliseconds shortest_pause{0};
  std::chrono::milliseconds longest_pause{std::chrono::seconds(30)};
  // Told before each pause: why ("429 Too Many Requests: slow down", "... is unavailable:
  // connection refused") and how long.
  std::function<void(const std::string& why, std::chrono::milliseconds pause)> on_retry;
};

// Whether `result` is a "not now" under `policy`.
bool is_not_now(const core::Result<ClientResponse>& result, const RetryPolicy& policy);
// What an answer says, for a message: "503 Service Unavailable: <detail>" (a problem's
// status, title and detail), else its status; for a failed call, the error's detail.
std::string describe_answer(const ClientResponse& response);
std::string describe_answer(const core::Result<ClientResponse>& result);

// Sends what `make_request` makes until the answer is not a "not now", the attempts are
// spent or the next pause would pass max_waiting; returns the last answer (a "not now"
// when the retries ran out: is_not_now tells). `attempts`, when given, receives how many
// were sent. An error from `make_request` ends the retries with that error (not counted
// as an attempt).
core::Result<ClientResponse> send_with_retries(
    Client& client, const std::function<core::Result<ClientRequest>()>& make_request,
    const CallOptions& options, const RetryPolicy& policy, int* attempts = nullptr);

}  // namespace platform::http
