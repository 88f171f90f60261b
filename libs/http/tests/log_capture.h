// A Logger whose lines land in memory, for asserting on access log lines. The server
// logs from its io threads, so the store is locked and readers can wait for a line.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/logging/logger.h"

namespace platform::http::test {

class LogCapture {
 public:
  logging::Logger& logger() { return logger_; }

  std::vector<boost::json::object> lines_with_msg(std::string_view msg) const {
    std::lock_guard lock(mutex_);
    std::vector<boost::json::object> found;
    for (const auto& line : lines_) {
      auto value = boost::json::parse(line);
      if (value.as_object().at("msg").as_string() == msg) found.push_back(value.as_object());
    }
    return found;
  }

  // The first line with `msg` whose `key` field is the string `value`, waiting for it:
  // the server writes the access line after the client already has its answer.
  std::optional<boost::json::object> wait_for(
      std::string_view msg, std::string_view key, std::string_view value,
      std::chrono::milliseconds timeout = std::chrono::seconds(3)) const {
    std::unique_lock lock(mutex_);
    std::optional<boost::json::object> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& line : lines_) {
        auto object = boost::json::parse(line).as_object();
        const auto* field = object.if_contains(key);
        if (object.at("msg").as_string() == msg && field != nullptr && field->is_string() &&
            field->as_string() == value) {
          found = std::move(object);
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> lines_;
  logging::Logger logger_{"http-test", "http-test-1", logging::Level::kDebug,
                          [this](std::string_view line) {
                            {
                              std::lock_guard lock(mutex_);
                              lines_.emplace_back(line);
                            }
                            changed_.notify_all();
                          }};
};

}  // namespace platform::http::test
