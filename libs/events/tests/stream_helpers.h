// Test helpers shared by the consumer and dead-letter tests: publishing the way the
// outbox relay does, and waiting for something another thread does.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "platform/events/event.h"
#include "platform/events/redis.h"

namespace platform::events::test {

// The fields the relay writes for one event.
inline StreamFields relay_fields(const Event& event) {
  return {{"event", to_json(event)}, {"type", event.type}, {"id", event.id}};
}

inline std::string publish(RedisConnection& redis, const std::string& stream, const Event& event) {
  auto id = redis.xadd(stream, relay_fields(event));
  EXPECT_TRUE(id) << (id ? "" : id.error().detail());
  return id ? *id : std::string();
}

inline Event test_event(const std::string& type, const std::string& data = R"({"n":1})") {
  return make_event("/test-service", type, "aggregate-1", data,
                    {.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                     .correlation_id = "request-1"});
}

// Polls `condition` until it holds or `timeout` passes; returns the last answer.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

}  // namespace platform::events::test
