#include "platform/logging/async_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace platform::logging {
namespace {

using Clock = std::chrono::steady_clock;

// A pipe whose read end the test drains when it chooses.
class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  }
  ~Pipe() {
    ::close(fds_[0]);
    if (fds_[1] >= 0) ::close(fds_[1]);
  }
  int write_end() const { return fds_[1]; }
  // Everything written so far, once the writer has flushed.
  std::string drain() {
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    std::string out;
    char buffer[65536];
    for (;;) {
      const ssize_t n = ::read(fds_[0], buffer, sizeof buffer);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(AsyncWriter, WritesEveryLineInOrderWithANewline) {
  Pipe pipe;
  AsyncWriter writer(pipe.write_end());
  writer.write("one");
  writer.write("two");
  writer.flush();
  writer.write("three");
  writer.flush();
  EXPECT_EQ(pipe.drain(), "one\ntwo\nthree\n");
  EXPECT_EQ(writer.dropped(), 0u);
}

TEST(AsyncWriter, DropsAndCountsLinesInsteadOfBlockingWhenTheReaderStalls) {
  Pipe pipe;  // nobody reads: the kernel's pipe buffer fills, then write(2) would block
  const std::string line(1000, 'x');
  std::uint64_t written_calls = 0;
  {
    AsyncWriter writer(pipe.write_end(), /*max_pending_bytes=*/16 * 1024);
    const auto started = Clock::now();
    for (int i = 0; i < 2000; ++i) {  // 2 MB: far more than the pipe and the queue hold
      writer.write(line);
      ++written_calls;
    }
    // Never waited on the stalled pipe: 2,000 calls are a matter of milliseconds.
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(2));
    EXPECT_GT(writer.dropped(), 0u);
    EXPECT_LT(writer.dropped(), written_calls);
    // Unblock the writer thread so that the destructor can finish writing what it kept.
    std::atomic<bool> flushed{false};
    std::thread reader([&] {
      while (!flushed) {
        pipe.drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    writer.flush();
    flushed = true;
    reader.join();
  }
}

TEST(AsyncWriter, WhatItKeepsArrivesAsWholeLines) {
  Pipe pipe;
  std::vector<std::thread> threads;
  {
    AsyncWriter writer(pipe.write_end());
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 100; ++i) writer.write("thread-" + std::to_string(t));
      });
    }
    for (auto& thread : threads) thread.join();
    writer.flush();
  }
  const std::string all = pipe.drain();
  std::size_t lines = 0;
  std::size_t start = 0;
  for (std::size_t newline = all.find('\n'); newline != std::string::npos;
       newline = all.find('\n', start)) {
    const std::string line = all.substr(start, newline - start);
    EXPECT_EQ(line.rfind("thread-", 0), 0u) << line;
    EXPECT_EQ(line.size(), 8u) << line;
    ++lines;
    start = newline + 1;
  }
  EXPECT_EQ(lines, 400u);
}

}  // namespace
}  // namespace platform::logging
