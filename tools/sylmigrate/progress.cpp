#include "progress.h"

#include <cstdio>

namespace sylmigrate {
namespace {

constexpr auto kTerminalEvery = std::chrono::milliseconds(100);
constexpr auto kPlainEvery = std::chrono::seconds(5);
constexpr int kBarWidth = 24;

std::string seconds_text(double seconds) {
  char text[32];
  if (seconds >= 60) {
    std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60,
                  static_cast<int>(seconds) % 60);
  } else {
    std::snprintf(text, sizeof text, "%.0fs", seconds);
  }
  return text;
}

}  // namespace

void Progress::start(std::string phase, std::uint64_t total, std::string unit) {
  std::lock_guard lock(mutex_);
  phase_ = std::move(phase);
  unit_ = std::move(unit);
  total_ = total;
  done_ = 0;
  bytes_ = 0;
  started_ = last_drawn_ = std::chrono::steady_clock::now();
}

void Progress::advance(std::uint64_t done, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  done_ += done;
  bytes_ += bytes;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_drawn_ >= (terminal_ ? std::chrono::milliseconds(kTerminalEvery)
                                      : std::chrono::milliseconds(kPlainEvery))) {
    last_drawn_ = now;
    draw(false);
  }
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  draw(true);
}

void Progress::note(const std::string& message) {
  std::lock_guard lock(mutex_);
  if (terminal_) out_ << "\r\x1b[K";
  out_ << message << "\n";
  if (terminal_) draw(false);
  out_.flush();
}

void Progress::draw(bool final) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  char line[256];
  int used = std::snprintf(line, sizeof line, "%-9s %llu/%llu %s", phase_.c_str(),
                           static_cast<unsigned long long>(done_),
                           static_cast<unsigned long long>(total_), unit_.c_str());
  std::string text(line, static_cast<std::size_t>(used));
  std::snprintf(line, sizeof line, ", %.0f %s/s", rate, unit_.c_str());
  text += line;
  if (bytes_ > 0 && elapsed > 0) {
    std::snprintf(line, sizeof line, ", %.1f MB/s", static_cast<double>(bytes_) / 1e6 / elapsed);
    text += line;
  }
  if (final) {
    text += ", " + seconds_text(elapsed);
  } else if (rate > 0 && total_ > done_) {
    text += ", ETA " + seconds_text(static_cast<double>(total_ - done_) / rate);
  }
  if (terminal_) {
    const int filled =
        total_ == 0 ? kBarWidth
                    : static_cast<int>(kBarWidth * done_ / std::max<std::uint64_t>(total_, 1));
    std::string bar = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                      std::string(static_cast<std::size_t>(kBarWidth - filled), '.') + "] ";
    out_ << "\r\x1b[K" << bar << text;
    if (final) out_ << "\n";
  } else {
    out_ << text << "\n";
  }
  out_.flush();
}

}  // namespace sylmigrate
