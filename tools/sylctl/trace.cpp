// `sylctl trace`: one request's waterfall across every service, or the slowest traces,
// from the spans in var/log/*.log.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "trace_view.h"

namespace sylctl {

namespace {

std::vector<SpanRecord> read_spans(const std::filesystem::path& dir) {
  std::vector<SpanRecord> spans;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path());
    const std::string service = entry.path().stem().string();
    std::string line;
    while (std::getline(in, line)) {
      if (auto span = parse_span_line(service, line)) spans.push_back(std::move(*span));
    }
  }
  return spans;
}

}  // namespace

int run_trace(const TraceOptions& options) {
  const Layout layout(std::filesystem::current_path());
  if (!std::filesystem::is_directory(layout.log_dir())) {
    std::cerr << "sylctl: no logs in " << layout.log_dir().string() << '\n';
    return kExitFailed;
  }
  const std::vector<SpanRecord> spans = read_spans(layout.log_dir());
  if (!options.trace_id.empty()) {
    const auto trace = spans_of_trace(spans, options.trace_id);
    if (trace.empty()) {
      std::cerr << "sylctl: no spans of trace " << options.trace_id << " in "
                << layout.log_dir().string() << " (was it sampled? see tracing.sample_ratio)\n";
      return kExitFailed;
    }
    std::cout << format_waterfall(trace);
    return kExitOk;
  }
  std::uint64_t since = 0;
  if (options.since) {
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto back = std::chrono::duration_cast<std::chrono::nanoseconds>(*options.since).count();
    since = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - back));
  }
  std::cout << format_slowest(slowest_traces(spans, options.slowest, since), spans);
  return kExitOk;
}

}  // namespace sylctl
