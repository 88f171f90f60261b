#include "log_merge.h"

#include <algorithm>
#include <boost/json.hpp>

#include "json_text.h"

namespace sylctl {

namespace {

int level_rank(std::string_view level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn" || level == "warning") return 2;
  if (level == "error") return 3;
  return 1;
}

}  // namespace

bool LogFilter::matches(const LogLine& line) const {
  if (!request_id.empty() && line.request_id != request_id) return false;
  if (!trace_id.empty() && line.trace_id != trace_id) return false;
  if (!service.empty() && line.service != service) return false;
  if (!min_level.empty() && line.json && level_rank(line.level) < level_rank(min_level))
    return false;
  if (!since.empty() && line.ts < since) return false;
  if (!grep.empty() && line.text.find(grep) == std::string::npos) return false;
  return true;
}

LogLine parse_log_line(std::string_view file_service, std::string_view text,
                       std::string_view previous_ts) {
  LogLine line;
  line.service = std::string(file_service);
  line.ts = std::string(previous_ts);
  line.text = std::string(text);
  if (text.empty() || text.front() != '{') return line;
  boost::system::error_code error;
  const boost::json::value value = boost::json::parse(text, error);
  if (error || !value.is_object()) return line;
  const auto& object = value.get_object();
  line.json = true;
  if (auto service = json_text(object, "service"); !service.empty()) line.service = service;
  if (auto ts = json_text(object, "ts"); !ts.empty()) line.ts = ts;
  line.request_id = json_text(object, "request_id");
  line.trace_id = json_text(object, "trace_id");
  line.level = json_text(object, "level");
  return line;
}

std::vector<LogLine> parse_log_text(std::string_view file_service, std::string_view text,
                                    std::string& last_ts) {
  std::vector<LogLine> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) break;  // an incomplete last line waits
    std::string_view raw = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (raw.empty()) continue;
    lines.push_back(parse_log_line(file_service, raw, last_ts));
    last_ts = lines.back().ts;
  }
  return lines;
}

std::vector<LogLine> merge_by_time(std::vector<std::vector<LogLine>> files) {
  std::vector<LogLine> merged;
  for (auto& file : files) {
    std::move(file.begin(), file.end(), std::back_inserter(merged));
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const LogLine& a, const LogLine& b) { return a.ts < b.ts; });
  return merged;
}

std::string format_line(const LogLine& line, std::size_t name_width) {
  std::string out = line.service;
  if (out.size() < name_width) out.append(name_width - out.size(), ' ');
  out += " | ";
  out += line.text;
  return out;
}

}  // namespace sylctl
