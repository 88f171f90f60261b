// Writes log lines to a file descriptor from a task of its own (a core::BackgroundTask),
// so that a thread that
// logs (a network thread writing an access line, above all) never waits on a slow
// terminal, a full pipe or a busy disk. Under pressure it drops lines and counts them
// rather than stall: a service that cannot write its log keeps serving.
//
//   AsyncWriter writer(STDOUT_FILENO);
//   writer.write(R"({"msg":"ready"})");   // queued; the newline is added
//   writer.flush();                       // waits until what was queued is written
//   writer.dropped();                     // lines refused because too much was waiting
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "platform/core/background_task.h"

namespace platform::logging {

class AsyncWriter {
 public:
  static constexpr std::size_t kDefaultMaxPendingBytes = std::size_t{4} * 1024 * 1024;

  explicit AsyncWriter(int descriptor, std::size_t max_pending_bytes = kDefaultMaxPendingBytes);
  // Writes everything still queued, then stops the task.
  ~AsyncWriter();
  AsyncWriter(const AsyncWriter&) = delete;
  AsyncWriter& operator=(const AsyncWriter&) = delete;

  // Queues `line` and a newline; drops it (and counts it) when more than
  // max_pending_bytes are waiting. Never blocks on the descriptor.
  void write(std::string_view line);
  // Returns once every line queued before the call was written (or failed to be).
  void flush();
  std::uint64_t dropped() const;

 private:
  // Writes what is pending as one batch (the task's step, and the destructor's last word).
  void write_pending();

  const int descriptor_;
  const std::size_t max_pending_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable written_;
  std::string pending_;  // lines waiting, newline-terminated
  // The batch being written, emptied after it, its room kept: swapped with pending_, it
  // spares the lines of the next batch the growth of a string from nothing (a copy of
  // what was queued at each doubling). Only the task, and the destructor after it, use it.
  std::string writing_;
  std::uint64_t queued_batches_ = 0;  // generations: flush() waits for its own
  std::uint64_t written_batches_ = 0;
  std::uint64_t dropped_ = 0;
  core::BackgroundTask task_;  // last: starts after the members it uses
};

}  // namespace platform::logging
