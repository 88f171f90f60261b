// `sylctl logs`: the services' log files (one JSON object a line) merged by time and
// filtered by request id, trace id, service, level, time and text. Pure functions, no
// files.
//
//   std::string last_ts;
//   auto lines = parse_log_text("subject-service", text, last_ts);
//   for (const LogLine& line : merge_by_time({lines, other})) {
//     if (filter.matches(line)) std::cout << format_line(line, 16) << '\n';
//   }
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sylctl {

struct LogLine {
  std::string service;  // the JSON "service" field, else the file's name
  std::string ts;       // RFC 3339 UTC (sorts as text); inherited by non-JSON lines
  std::string text;     // the line as written
  std::string request_id;
  std::string trace_id;
  std::string level;  // "debug", "info", "warn", "error"; empty for a line that is not JSON
  bool json = false;
};

struct LogFilter {
  std::string request_id;  // empty: any
  std::string trace_id;
  std::string service;
  // At least this level ("warn": warnings and errors). A line that is not JSON (a crash's
  // output on stderr) passes any level.
  std::string min_level;
  std::string since;  // RFC 3339 UTC: lines at or after it
  std::string grep;   // the line's text contains it

  bool matches(const LogLine& line) const;
};

// One line of var/log/<file_service>.log. A line that is not a JSON object is kept as
// text, with the timestamp of the line before it (`previous_ts`) so it stays in place.
LogLine parse_log_line(std::string_view file_service, std::string_view text,
                       std::string_view previous_ts);

// Every complete line of `text`; `last_ts` carries the timestamp across calls (--follow).
std::vector<LogLine> parse_log_text(std::string_view file_service, std::string_view text,
                                    std::string& last_ts);

// One sequence ordered by ts; lines with equal ts keep their file order, files in the
// order given.
std::vector<LogLine> merge_by_time(std::vector<std::vector<LogLine>> files);

// "subject-service  | {...}", the name padded to `name_width`.
std::string format_line(const LogLine& line, std::size_t name_width);

}  // namespace sylctl
