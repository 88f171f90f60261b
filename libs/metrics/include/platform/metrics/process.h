// The process's own metrics under the names every Prometheus client library uses, read
// from /proc when scraped (Linux):
//   process_cpu_seconds_total       user and system CPU time
//   process_resident_memory_bytes   resident set size
//   process_virtual_memory_bytes    virtual memory size
//   process_open_fds, process_max_fds
//   process_threads
//   process_start_time_seconds      since the Unix epoch
//
//   Registry registry;
//   add_process_metrics(registry);
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "platform/metrics/registry.h"

namespace platform::metrics {

// What /proc/self/stat says, in the units of the metrics.
struct ProcessStat {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double threads = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Parses the text of /proc/<pid>/stat; `ticks_per_second` and `page_size` as sysconf
// tells them, `boot_time_seconds` from the btime line of /proc/stat. nullopt when the
// text is not a stat line.
std::optional<ProcessStat> parse_process_stat(std::string_view stat, double ticks_per_second,
                                              double page_size, double boot_time_seconds);

void add_process_metrics(Registry& registry);

}  // namespace platform::metrics
