#include "platform/metrics/process.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace platform::metrics {
namespace {

// A line as the kernel writes it, with a command name holding a space and a ')'.
constexpr std::string_view kStat =
    "4242 (sub ject) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 7 0 "
    "100000 123456789 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ProcessStat, ReadsCpuMemoryThreadsAndStartTimeFromAStatLine) {
  const auto stat = parse_process_stat(kStat, 100, 4096, 1'700'000'000);
  ASSERT_TRUE(stat);
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 3.0);  // (250 + 50) ticks at 100 a second
  EXPECT_DOUBLE_EQ(stat->resident_bytes, 2560.0 * 4096);
  EXPECT_DOUBLE_EQ(stat->virtual_bytes, 123456789.0);
  EXPECT_DOUBLE_EQ(stat->threads, 7.0);
  EXPECT_DOUBLE_EQ(stat->start_time_seconds, 1'700'000'000 + 1000.0);
}

TEST(ProcessStat, RefusesTextThatIsNotAStatLine) {
  EXPECT_FALSE(parse_process_stat("", 100, 4096, 0));
  EXPECT_FALSE(parse_process_stat("4242 (x) S 1 2", 100, 4096, 0));
  EXPECT_FALSE(
      parse_process_stat(std::string(kStat).replace(0, 1, "x").substr(0, 60), 100, 4096, 0));
}

double value_of(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

TEST(ProcessMetrics, RenderThisProcessUnderTheStandardNames) {
  Registry registry;
  add_process_metrics(registry);
  std::vector<std::thread> busy;
  for (int i = 0; i < 2; ++i)
    busy.emplace_back([] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
  const std::string text = registry.render();
  for (auto& thread : busy) thread.join();

  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_GE(value_of(text, "process_cpu_seconds_total"), 0.0);
  EXPECT_GT(value_of(text, "process_resident_memory_bytes"), 1024.0 * 1024);
  EXPECT_GT(value_of(text, "process_virtual_memory_bytes"),
            value_of(text, "process_resident_memory_bytes"));
  EXPECT_GE(value_of(text, "process_threads"), 3.0);   // this one and the two sleepers
  EXPECT_GE(value_of(text, "process_open_fds"), 3.0);  // stdin, stdout, stderr at least
  EXPECT_GT(value_of(text, "process_max_fds"), value_of(text, "process_open_fds"));
  const double started = value_of(text, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(started, now - 3600);
  EXPECT_LE(started, now + 1);
}

}  // namespace
}  // namespace platform::metrics
