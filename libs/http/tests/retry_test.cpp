// send_with_retries against a real server whose answers the test scripts: what is sent
// again, after which pause, and when the retries stop.
#include "platform/http/retry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "log_capture.h"
#include "platform/http/server.h"

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

class RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.get("/scripted", [this](Request&) {
      ++calls_;
      std::lock_guard lock(mutex_);
      if (script_.empty()) return Response::text(200, "done");
      auto [status, retry_after] = script_.front();
      script_.pop_front();
      Response answer = Response::problem(status, "not now", "/scripted");
      if (!retry_after.empty()) answer.headers.set("Retry-After", retry_after);
      return answer;
    });
    server_ =
        std::make_unique<Server>(ServerOptions{}, std::move(router), logs_.logger(), registry_);
    port_ = server_->start();
  }
  void TearDown() override { server_->stop(); }

  // The next answers: a status and its Retry-After ("" for none); then 200s.
  void script(std::vector<std::pair<int, std::string>> answers) {
    std::lock_guard lock(mutex_);
    script_.assign(answers.begin(), answers.end());
  }
  std::function<core::Result<ClientRequest>()> scripted() const {
    return [port = port_]() -> core::Result<ClientRequest> {
      return ClientRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/scripted"};
    };
  }
  // A policy with short pauses that records what it was told.
  RetryPolicy quick() {
    return RetryPolicy{.max_attempts = 5,
                       .first_backoff = 10ms,
                       .max_backoff = 40ms,
                       .on_retry = [this](const std::string& why, milliseconds pause) {
                         told_.emplace_back(why, pause);
                       }};
  }

  test::LogCapture logs_;
  metrics::Registry registry_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::deque<std::pair<int, std::string>> script_;
  std::atomic<int> calls_{0};
  std::vector<std::pair<std::string, milliseconds>> told_;
  Client client_;
};

TEST_F(RetryTest, TransientFailuresAreSentAgainWithADoublingBackoff) {
  script({{503, ""}, {502, ""}, {504, ""}});
  int attempts = 0;
  auto answer = send_with_retries(client_, scripted(), {}, quick(), &attempts);
  ASSERT_TRUE(answer) << answer.error().detail();
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(calls_.load(), 4);
  ASSERT_EQ(told_.size(), 3U);
  EXPECT_EQ(told_[0].first, "503 Service Unavailable: not now");
  EXPECT_EQ(told_[0].second, 10ms);
  EXPECT_EQ(told_[1].second, 20ms);
  EXPECT_EQ(told_[2].second, 40ms);
}

TEST_F(RetryTest, ARateLimitedCallWaitsForTheRetryAfterItWasGivenWithinTheLongestPause) {
  script({{429, "1"}, {429, "120"}});
  RetryPolicy policy = quick();
  policy.retry = RetryPolicy::Retry::kRateLimitsOnly;
  policy.longest_pause = 1s;
  auto answer = send_with_retries(client_, scripted(), {}, policy);
  ASSERT_TRUE(answer) << answer.error().detail();
  EXPECT_EQ(answer->status, 200);
  ASSERT_EQ(told_.size(), 2U);
  EXPECT_EQ(told_[0].first, "429 Too Many Requests: not now");
  EXPECT_EQ(told_[0].second, 1s);  // as asked
  EXPECT_EQ(told_[1].second, 1s);  // 120 s asked, cut to the longest pause
}

TEST_F(RetryTest, UnderRateLimitsOnlyAnUnavailablePeerIsNotAskedAgain) {
  script({{503, ""}});
  RetryPolicy policy = quick();
  policy.retry = RetryPolicy::Retry::kRateLimitsOnly;
  auto answer = send_with_retries(client_, scripted(), {}, policy);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_TRUE(told_.empty());
  EXPECT_FALSE(is_not_now(answer, policy));
}

TEST_F(RetryTest, WhenTheAttemptsAreSpentTheLastNotNowStands) {
  script({{503, ""}, {503, ""}, {503, ""}, {503, ""}});
  RetryPolicy policy = quick();
  policy.max_attempts = 3;
  int attempts = 0;
  auto answer = send_with_retries(client_, scripted(), {}, policy, &attempts);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_TRUE(is_not_now(answer, policy));
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(calls_.load(), 3);
  EXPECT_EQ(told_.size(), 2U);
}

TEST_F(RetryTest, APauseThatWouldPassTheWaitingBoundIsNotTaken) {
  script({{503, ""}, {503, ""}, {503, ""}});
  RetryPolicy policy = quick();
  policy.max_waiting = 25ms;  // 10 ms, then 20 ms would make 30
  auto answer = send_with_retries(client_, scripted(), {}, policy);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(calls_.load(), 2);
  EXPECT_EQ(told_.size(), 1U);
}

TEST_F(RetryTest, APeerThatRefusesConnectionsIsTriedAgainAndItsErrorStands) {
  RetryPolicy policy = quick();
  policy.max_attempts = 2;
  auto answer = send_with_retries(
      client_,
      []() -> core::Result<ClientRequest> { return ClientRequest{.url = "http://127.0.0.1:1/"}; },
      {}, policy);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code(), core::ErrorCode::kUnavailable);
  ASSERT_EQ(told_.size(), 1U);
  EXPECT_EQ(told_[0].first, answer.error().detail());
}

// A request whose own body fails would fail the same way again: not a "not now", even
// when the body's error is kUnavailable (its storage went away).
TEST_F(RetryTest, ARequestWhoseBodyFailsIsNotSentAgain) {
  class VanishingUpload final : public BodySource {
   public:
    std::optional<std::uint64_t> size() const override { return std::nullopt; }
    core::Result<std::size_t> read(std::span<char>) override {
      return core::Error::unavailable("the storage went away");
    }
  };
  int made = 0;
  auto answer = send_with_retries(
      client_,
      [&made, port = port_]() -> core::Result<ClientRequest> {
        ++made;
        return ClientRequest{.method = "POST",
                             .url = "http://127.0.0.1:" + std::to_string(port) + "/scripted",
                             .body_source = std::make_shared<VanishingUpload>()};
      },
      {}, quick());
  ASSERT_FALSE(answer);
  EXPECT_TRUE(answer.error().request_body_failed());
  EXPECT_EQ(answer.error().detail(), "the storage went away");
  EXPECT_EQ(made, 1);
  EXPECT_TRUE(told_.empty());
}

TEST_F(RetryTest, ARequestThatCannotBeMadeEndsTheRetriesWithItsError) {
  script({{503, ""}});
  int made = 0;
  int attempts = 0;
  auto answer = send_with_retries(
      client_,
      [&made, port = port_]() -> core::Result<ClientRequest> {
        if (made++ > 0) return core::Error::unavailable("cannot read upload.pdf");
        return ClientRequest{.url = "http://127.0.0.1:" + std::to_string(port) + "/scripted"};
      },
      {}, quick(), &attempts);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().detail(), "cannot read upload.pdf");
  EXPECT_EQ(calls_.load(), 1);
  EXPECT_EQ(attempts, 1);  // the request that could not be made was not an attempt
}

}  // namespace
}  // namespace platform::http
