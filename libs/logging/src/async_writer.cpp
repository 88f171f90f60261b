#include "platform/logging/async_writer.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace platform::logging {
namespace {

// Writes all of `bytes`, retrying short writes and interruptions. A descriptor that
// refuses (closed pipe, full disk) loses the batch: logging must not take the service
// down with it.
void write_all(int descriptor, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(descriptor, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

// The task sleeps until write() wakes it: this is only how long it waits without.
constexpr std::chrono::hours kIdlePause{1};
// Once woken, the writer lets lines gather this long before it writes them: under load
// that is one wake-up and one write() per few hundred lines instead of one per line (a
// wake-up per request costs a busy server a tenth of its CPU in context switches).
constexpr std::chrono::milliseconds kGatherLines{5};
// The most room a written batch keeps for the next: what 5 ms of a busy service's lines
// take (two spans a request at 15,000 requests/s: about 120 KiB).
constexpr std::size_t kKeptRoom = std::size_t{256} * 1024;

}  // namespace

AsyncWriter::AsyncWriter(int descriptor, std::size_t max_pending_bytes)
    : descriptor_(descriptor),
      max_pending_bytes_(max_pending_bytes),
      task_("log-writer", [this](core::BackgroundTask& task) -> core::Pause {
        task.sleep(kGatherLines);  // cut short only by stop(); the destructor writes the rest
        write_pending();
        return kIdlePause;
      }) {
  task_.start();
}

AsyncWriter::~AsyncWriter() {
  task_.stop();
  write_pending();  // what was queued after the last step
}

void AsyncWriter::write(std::string_view line) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() + 1 > max_pending_bytes_) {
      ++dropped_;
      return;
    }
    was_empty = pending_.empty();
    pending_.append(line);
    pending_.push_back('\n');
    if (was_empty) ++queued_batches_;
  }
  // The writer pauses only when nothing is pending: one wake per batch is enough.
  if (was_empty) task_.wake();
}

void AsyncWriter::flush() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_batches_;
  written_.wait(lock, [&] { return written_batches_ >= target; });
}

std::uint64_t AsyncWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void AsyncWriter::write_pending() {
  std::uint64_t batch_number = 0;
  {
    std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    writing_.swap(pending_);
    batch_number = queued_batches_;
  }
  write_all(descriptor_, writing_);
  writing_.clear();
  // The room a burst needed is not kept beyond this: a quiet service holds little.
  if (writing_.capacity() > kKeptRoom) writing_.shrink_to_fit();
  {
    std::lock_guard lock(mutex_);
    written_batches_ = batch_number;
  }
  written_.notify_all();
}

}  // namespace platform::logging
