#include "platform/metrics/process.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace platform::metrics {
namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

double boot_time_seconds() {
  std::istringstream lines(read_file("/proc/stat"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

std::optional<ProcessStat> own_stat() {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  static const double boot = boot_time_seconds();
  return parse_process_stat(read_file("/proc/self/stat"), ticks, page, boot);
}

double open_fds() {
  std::error_code ec;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return count > 0 ? count - 1 : 0;  // without the one the listing itself holds open
}

double max_fds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

std::optional<ProcessStat> parse_process_stat(std::string_view stat, double ticks_per_second,
                                              double page_size, double boot_time_seconds) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields are
  // counted from the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  // Field n (1-based, proc(5)) is fields[n - 3].
  const auto number = [&fields](std::size_t n) -> std::optional<double> {
    if (n < 3 || n - 3 >= fields.size()) return std::nullopt;
    std::uint64_t value = 0;
    const std::string_view text = fields[n - 3];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return static_cast<double>(value);
  };
  const auto utime = number(14), stime = number(15), threads = number(20), start = number(22),
             vsize = number(23), rss = number(24);
  if (!utime || !stime || !threads || !start || !vsize || !rss) return std::nullopt;
  return ProcessStat{.cpu_seconds = (*utime + *stime) / ticks_per_second,
                     .resident_bytes = *rss * page_size,
                     .virtual_bytes = *vsize,
                     .threads = *threads,
                     .start_time_seconds = boot_time_seconds + *start / ticks_per_second};
}

void add_process_metrics(Registry& registry) {
  const auto read = [](double ProcessStat::*field) {
    return [field] {
      const auto stat = own_stat();
      return stat ? (*stat).*field : 0.0;
    };
  };
  registry.callback_counter("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.", {},
                            read(&ProcessStat::cpu_seconds));
  registry.callback_gauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                          read(&ProcessStat::resident_bytes));
  registry.callback_gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                          read(&ProcessStat::virtual_bytes));
  registry.callback_gauge("process_threads", "Number of OS threads in the process.", {},
                          read(&ProcessStat::threads));
  registry.callback_gauge("process_start_time_seconds",
                          "Start time of the process since unix epoch in seconds.", {},
                          read(&ProcessStat::start_time_seconds));
  registry.callback_gauge("process_open_fds", "Number of open file descriptors.", {}, open_fds);
  registry.callback_gauge("process_max_fds", "Maximum number of open file descriptors.", {},
                          max_fds);
}

}  // namespace platform::metrics
