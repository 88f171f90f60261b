// sylctl: runs the platform on one machine and looks after it.
//
//   sylctl up [--build-dir build/release] [--foreground] [--port-base 8100] [--redis-port 6379]
//   sylctl down
//   sylctl status [--port-base N]
//   sylctl logs [--request-id X | --trace-id Y] [--service NAME] [--follow]
//
// Exit codes: 0 done, 1 failed (the message says why), 2 bad usage, 3 (status) not all
// services ready.
#include <charconv>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "commands.h"
#include "platform/cli/arguments.h"

namespace {

using platform::cli::Arguments;
using platform::cli::parse_options;

using namespace sylctl;

constexpr const char* kUsageText =
    R"(usage:
  sylctl up [--build-dir DIR] [--foreground] [--port-base N] [--redis-port N]
  sylctl down
  sylctl status [--port-base N]
  sylctl logs [--request-id ID | --trace-id ID] [--service NAME] [--follow]

Works on var/ under the current directory. --build-dir defaults to build/release;
--port-base (default 8100) moves every service port by the same amount and --redis-port
(default 6379) moves Redis, so that a second platform (a test) runs beside the first.
)";

int usage(const std::string& message) {
  std::cerr << "sylctl: " << message << "\n\n" << kUsageText;
  return kExitUsage;
}

std::optional<std::uint16_t> parse_port(const std::string& text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

int run(const std::string& command, const std::vector<std::string>& words) {
  Arguments arguments;
  if (command == "up") {
    if (auto error = parse_options(words, {"build-dir", "port-base", "redis-port"}, {"foreground"},
                                   arguments)) {
      return usage(*error);
    }
    UpOptions options;
    if (auto dir = arguments.get("build-dir")) options.build_dir = *dir;
    options.foreground = arguments.has("foreground");
    if (auto text = arguments.get("port-base")) {
      const auto port = parse_port(*text);
      // The gateway sits 20 below the base (8080), the last service a few above it.
      if (!port || *port < 1044 || *port > 65500) {
        return usage("--port-base must be a port from 1044 to 65500");
      }
      options.ports.base = *port;
    }
    if (auto text = arguments.get("redis-port")) {
      const auto port = parse_port(*text);
      if (!port) return usage("--redis-port must be a port from 1 to 65535");
      options.ports.redis = *port;
    }
    return run_up(options);
  }
  if (command == "down") {
    if (auto error = parse_options(words, {}, {}, arguments)) return usage(*error);
    return run_down();
  }
  if (command == "status") {
    if (auto error = parse_options(words, {"port-base"}, {}, arguments)) return usage(*error);
    StatusOptions options;
    if (auto text = arguments.get("port-base")) {
      options.port_base = parse_port(*text);
      if (!options.port_base) return usage("--port-base must be a port");
    }
    return run_status(options);
  }
  if (command == "logs") {
    if (auto error =
            parse_options(words, {"request-id", "trace-id", "service"}, {"follow"}, arguments)) {
      return usage(*error);
    }
    LogsOptions options;
    options.filter.request_id = arguments.get("request-id").value_or("");
    options.filter.trace_id = arguments.get("trace-id").value_or("");
    options.filter.service = arguments.get("service").value_or("");
    options.follow = arguments.has("follow");
    if (!options.filter.request_id.empty() && !options.filter.trace_id.empty()) {
      return usage("--request-id and --trace-id exclude each other");
    }
    return run_logs(options);
  }
  return usage("unknown command \"" + command + "\"");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing command");
  const std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsageText;
    return kExitOk;
  }
  try {
    return run(command, std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& error) {
    std::cerr << "sylctl: " << error.what() << '\n';
    return kExitFailed;
  }
}
