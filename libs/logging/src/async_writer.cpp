#include "platform/logging/async_writer.h"

#include <unistd.h>

#include <cerrno>

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

}  // namespace

AsyncWriter::AsyncWriter(int descriptor, std::size_t max_pending_bytes)
    : descriptor_(descriptor), max_pending_bytes_(max_pending_bytes) {
  thread_ = std::thread([this] { run(); });
}

AsyncWriter::~AsyncWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  thread_.join();
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
  // The writer sleeps only when nothing is pending: one wake per batch is enough.
  if (was_empty) wake_writer_.notify_one();
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

void AsyncWriter::run() {
  std::string batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_writer_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and everything was written
    batch.clear();
    batch.swap(pending_);
    const std::uint64_t batch_number = queued_batches_;
    lock.unlock();
    write_all(descriptor_, batch);
    lock.lock();
    written_batches_ = batch_number;
    written_.notify_all();
  }
}

}  // namespace platform::logging
