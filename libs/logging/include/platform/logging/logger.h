// Structured logging: one JSON object a line on stdout.
//
//   Logger log("subject-service", "subject-service-1a2b", Level::kInfo);
//   log.info("listening", {{"port", 8101}});
//   log.warn(request_context, "slow query", {{"duration_ms", 12.5}});
// prints
//   {"ts":"2026-11-24T20:01:28.123456Z","level":"info","service":"subject-service",
//    "instance":"subject-service-1a2b","msg":"listening","port":8101}
//
// Without a sink of its own the logger writes through an AsyncWriter: a thread that logs
// never waits on stdout; when stdout cannot keep up, lines are dropped and counted
// (dropped_lines()) rather than stall a network thread.
//
// Fields whose key names a secret (password, secret, token, authorization, api_key, apikey,
// cookie) are written as "[redacted]"; pass URLs through core::redact_url()
// (platform/core/url.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace platform::logging {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<Level> parse_level(std::string_view text);  // "debug", "info", "warn", "error"
std::string_view to_string(Level level);

// Who a log line is about: the request and trace it belongs to. Empty views are omitted.
struct Context {
  std::string_view request_id;
  std::string_view trace_id;
  std::string_view span_id;
};

class Field {
 public:
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;

  Field(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  Field(std::string_view key, const char* value) : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, const std::string& value)
      : key_(key), value_(std::string_view(value)) {}
  Field(std::string_view key, bool value) : key_(key), value_(value) {}
  Field(std::string_view key, double value) : key_(key), value_(value) {}
  template <typename Integer>
  requires std::is_integral_v<Integer> Field(std::string_view key, Integer value)
      : key_(key), value_(static_cast<std::int64_t>(value)) {}

  std::string_view key() const { return key_; }
  const Value& value() const { return value_; }

 private:
  std::string_view key_;
  Value value_;
};

using Fields = std::initializer_list<Field>;
// Receives each finished line, without the trailing newline.
using Sink = std::function<void(std::string_view line)>;

class AsyncWriter;

class Logger {
 public:
  // Writes to stdout (asynchronously) unless a sink is given (tests pass one; a sink is
  // called under a lock, one line at a time).
  Logger(std::string service, std::string instance, Level level, Sink sink = {});
  // Writes what is still queued.
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Dynamic: may be called while other threads log.
  void set_level(Level level) { level_.store(level, std::memory_order_relaxed); }
  Level level() const { return level_.load(std::memory_order_relaxed); }
  bool enabled(Level level) const { return level >= this->level(); }

  void log(Level level, const Context& context, std::string_view msg, Fields fields = {});

  void debug(std::string_view msg, Fields fields = {}) { log(Level::kDebug, {}, msg, fields); }
  void info(std::string_view msg, Fields fields = {}) { log(Level::kInfo, {}, msg, fields); }
  void warn(std::string_view msg, Fields fields = {}) { log(Level::kWarn, {}, msg, fields); }
  void error(std::string_view msg, Fields fields = {}) { log(Level::kError, {}, msg, fields); }
  void debug(const Context& c, std::string_view msg, Fields f = {}) {
    log(Level::kDebug, c, msg, f);
  }
  void info(const Context& c, std::string_view msg, Fields f = {}) { log(Level::kInfo, c, msg, f); }
  void warn(const Context& c, std::string_view msg, Fields f = {}) { log(Level::kWarn, c, msg, f); }
  void error(const Context& c, std::string_view msg, Fields f = {}) {
    log(Level::kError, c, msg, f);
  }

  // A record rather than a message (a finished span): written whatever the level, with
  // `raw_json` (a JSON value the caller made, not checked) under `key`.
  void record(const Context& context, std::string_view msg, std::string_view key,
              std::string_view raw_json);
  // The same, the JSON value written by `write_value` straight into the line (the line
  // makes room for `size_hint` bytes of it at once): no copy of it is made first.
  void record(const Context& context, std::string_view msg, std::string_view key,
              std::size_t size_hint, const std::function<void(std::string& line)>& write_value);

  const std::string& service() const { return service_; }
  const std::string& instance() const { return instance_; }

  // Returns once every line logged before the call has been written.
  void flush();
  // Lines dropped because stdout could not keep up (0 with a sink).
  std::uint64_t dropped_lines() const;

 private:
  std::string begin_line(std::string_view level, const Context& context, std::string_view msg,
                         std::size_t room_for_more = 128) const;
  void emit(const std::string& line);

  std::string service_;
  std::string instance_;
  // `,"service":"<service>","instance":"<instance>"`, escaped once: every line has it.
  std::string service_fields_;
  std::atomic<Level> level_;
  Sink sink_;
  std::mutex write_mutex_;
  std::unique_ptr<AsyncWriter> writer_;  // when there is no sink
};

// Appends `text` to `out` as the inside of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view text);

// The most bytes one character takes once escaped (\u00XX).
inline constexpr std::size_t kMaxEscapedBytesPerChar = 6;

// Writes `text` at `out` as the inside of a JSON string and returns the end; `out` has
// room for kMaxEscapedBytesPerChar bytes per character. For a writer that makes room for
// a whole line at once instead of appending piece by piece (a span line per request).
char* write_json_escaped(char* out, std::string_view text);

}  // namespace platform::logging
