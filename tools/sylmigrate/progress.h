// Progress of a long step: on a terminal one line redrawn in place (a bar, the rate and
// the time left), elsewhere (a log, CI) a plain line every few seconds and one at the end.
//
//   Progress progress(std::cerr, isatty(2));
//   progress.start("files", files.size(), "files");
//   progress.advance(1, bytes);   // from any thread
//   progress.finish();
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

namespace sylmigrate {

class Progress {
 public:
  Progress(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}

  void start(std::string phase, std::uint64_t total, std::string unit);
  void advance(std::uint64_t done, std::uint64_t bytes = 0);
  void finish();
  // A message between progress lines (a retry, a warning).
  void note(const std::string& message);

 private:
  void draw(bool final);

  std::ostream& out_;
  bool terminal_;
  std::mutex mutex_;
  std::string phase_;
  std::string unit_;
  std::uint64_t total_ = 0;
  std::uint64_t done_ = 0;
  std::uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_drawn_;
};

}  // namespace sylmigrate
