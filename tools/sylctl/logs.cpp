// `sylctl logs`: var/log/*.log merged by time, filtered, optionally followed.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "commands.h"

namespace sylctl {

namespace {

using namespace std::chrono_literals;

constexpr auto kFollowInterval = 250ms;
constexpr std::size_t kNameWidth = 16;

// What has been read of one log file: up to `offset`, the last line's timestamp.
struct FileCursor {
  std::uintmax_t offset = 0;
  std::string last_ts;
};

// Reads what was appended to each log file since the last call (complete lines only).
std::vector<std::vector<LogLine>> read_new_lines(
    const std::filesystem::path& dir, std::map<std::filesystem::path, FileCursor>& cursors) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".log")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  std::vector<std::vector<LogLine>> batches;
  for (const auto& file : files) {
    FileCursor& cursor = cursors[file];
    const auto size = std::filesystem::file_size(file, error);
    if (error) continue;
    if (size < cursor.offset) cursor = {};  // truncated or replaced
    if (size == cursor.offset) continue;
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(cursor.offset));
    std::string text(size - cursor.offset, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    const auto complete = text.rfind('\n');
    if (complete == std::string::npos) continue;
    text.resize(complete + 1);
    cursor.offset += text.size();
    batches.push_back(parse_log_text(file.stem().string(), text, cursor.last_ts));
  }
  return batches;
}

void print(const std::vector<LogLine>& lines, const LogFilter& filter) {
  for (const LogLine& line : lines) {
    if (filter.matches(line)) std::cout << format_line(line, kNameWidth) << '\n';
  }
  std::cout << std::flush;
}

}  // namespace

int run_logs(const LogsOptions& options) {
  const Layout layout(std::filesystem::current_path());
  if (!std::filesystem::is_directory(layout.log_dir()) && !options.follow) {
    std::cerr << "sylctl: no logs in " << layout.log_dir().string() << '\n';
    return kExitFailed;
  }
  std::map<std::filesystem::path, FileCursor> cursors;
  print(merge_by_time(read_new_lines(layout.log_dir(), cursors)), options.filter);
  while (options.follow) {
    std::this_thread::sleep_for(kFollowInterval);
    print(merge_by_time(read_new_lines(layout.log_dir(), cursors)), options.filter);
  }
  return kExitOk;
}

}  // namespace sylctl
