// sylctl: runs the platform on one machine and looks after it.
//
//   sylctl up [--build-dir build/release] [--foreground] [--port-base 8100] [--redis-port 6379]
//   sylctl down
//   sylctl status [--port-base N]
//   sylctl logs [--request-id X | --trace-id Y] [--service NAME] [--level L] [--since 10m]
//               [--grep TEXT] [--follow]
//   sylctl trace TRACE_ID | sylctl trace --slowest 10 [--since 5m]
//   sylctl top [--port-base N] [--once]
//   sylctl config show SERVICE [--env ENV] [--port-base N]
//   sylctl config set SERVICE KEY=VALUE... [--env ENV] [--author NAME] [--comment TEXT]
//   sylctl token --sub NAME [--roles viewer,editor,admin] [--ttl 1h]
//   sylctl seed --demo [--subjects 24] [--port-base N]
//   sylctl deploy SERVICE --build-dir DIR [--steps 10,50,100] [--pause 10s]
//                 [--max-error-rate 1] [--max-p99 500ms]
//   sylctl rollback SERVICE [--window 1h]
//
// Exit codes: 0 done, 1 failed (the message says why), 2 bad usage, 3 (status) not all
// services ready.
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
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
            [--monitoring [--monitoring-interval 15s] [--deploy-dir deploy]]
  sylctl down
  sylctl status [--port-base N]
  sylctl logs [--request-id ID | --trace-id ID] [--service NAME] [--level warn]
              [--since 10m] [--grep TEXT] [--follow]
  sylctl top [--port-base N] [--once]  a live view of every instance (q quits)
  sylctl trace TRACE_ID               one request's waterfall across every service
  sylctl trace --slowest N [--since 5m]   the slowest traces
  sylctl config show SERVICE [--env ENV] [--port-base N]
  sylctl config set SERVICE KEY=VALUE... [--env ENV] [--author NAME] [--comment TEXT]
                    [--port-base N]
  sylctl token --sub NAME [--roles ROLE,...] [--ttl DURATION]
  sylctl seed --demo [--subjects N] [--port-base N]   demo data through the gateway
  sylctl deploy SERVICE --build-dir DIR [--steps 10,50,100] [--pause 10s]
                [--max-error-rate 1] [--max-p99 500ms] [--min-requests 20]
  sylctl rollback SERVICE [--window 1h]

Works on var/ under the current directory. --build-dir defaults to build/release;
--port-base (default 8100) moves every service port by the same amount and --redis-port
(default 6379) moves Redis, so that a second platform (a test) runs beside the first.
`up` makes the platform's token (var/platform-token, mode 0600) on its first run and
gives it to every service; `config` sends it. SYL_PLATFORM_TOKEN overrides the file.
`token` prints a bearer token for the gateway (roles viewer, editor, admin; --ttl like
90s, 15m, 1h, 7d; default 1h), signed with var/jwt-secret, which `up` makes.
`seed --demo` makes subjects of six departments (24 unless --subjects), a syllabus for
each with outcomes, assessments and a schedule (every other one published) and a few
documents, through the gateway; run again, it adds only what is missing.
`deploy` starts SERVICE's binary from DIR beside the running one (blue-green), smoke-tests
it, then shifts the traffic by the steps, watching its 5xx share (percent) and p99 at each
pause; a breach returns the traffic and stops it (exit 1), success stops the old version,
which `rollback` brings back within --window. Reports go to var/deploy/reports/.
Ctrl-C during a deploy returns the traffic too; after a killed deploy, `rollback` settles it.
)";

int usage(const std::string& message) {
  std::cerr << "sylctl: " << message << "\n\n" << kUsageText;
  return kExitUsage;
}

// "2026-12-01T10:00:00.000000Z": the services' timestamp format, so that it compares as text.
std::string rfc3339_utc(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000000Z", &utc);
  return text;
}

std::optional<std::uint16_t> parse_port(const std::string& text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// "500ms", "10s", "2m" -> milliseconds.
std::optional<std::chrono::milliseconds> parse_milliseconds(const std::string& text) {
  if (text.ends_with("ms")) {
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size() - 2, value);
    if (error != std::errc{} || end != text.data() + text.size() - 2) return std::nullopt;
    return std::chrono::milliseconds(value);
  }
  const auto seconds = parse_duration(text);
  if (!seconds) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*seconds);
}

// sylctl config show|set SERVICE [KEY=VALUE...] [options]
int run_config(const std::vector<std::string>& words) {
  if (words.empty() || (words[0] != "show" && words[0] != "set"))
    return usage("config needs show or set");
  const bool set = words[0] == "set";
  std::vector<std::string> positional;
  std::size_t first_option = 1;
  while (first_option < words.size() && !words[first_option].starts_with("--"))
    positional.push_back(words[first_option++]);
  Arguments arguments;
  const std::set<std::string> takes_value =
      set ? std::set<std::string>{"env", "author", "comment", "port-base"}
          : std::set<std::string>{"env", "port-base"};
  if (auto error =
          parse_options({words.begin() + static_cast<std::ptrdiff_t>(first_option), words.end()},
                        takes_value, {}, arguments))
    return usage(*error);
  if (positional.empty()) return usage("config " + words[0] + " needs a service name");
  ConfigOptions options;
  options.service = positional[0];
  options.env = arguments.get("env").value_or("default");
  if (auto text = arguments.get("port-base")) {
    options.port_base = parse_port(*text);
    if (!options.port_base) return usage("--port-base must be a port");
  }
  if (!set) {
    if (positional.size() > 1) return usage("config show takes one service name");
    return run_config_show(options);
  }
  if (positional.size() < 2) return usage("config set needs KEY=VALUE");
  for (std::size_t i = 1; i < positional.size(); ++i) {
    const auto equals = positional[i].find('=');
    if (equals == std::string::npos || equals == 0)
      return usage("\"" + positional[i] + "\" is not KEY=VALUE");
    options.settings.emplace_back(positional[i].substr(0, equals),
                                  positional[i].substr(equals + 1));
  }
  const char* user = std::getenv("USER");
  options.author = arguments.get("author").value_or(user != nullptr && *user ? user : "sylctl");
  options.comment = arguments.get("comment").value_or("");
  return run_config_set(options);
}

int run(const std::string& command, const std::vector<std::string>& words) {
  Arguments arguments;
  if (command == "up") {
    if (auto error = parse_options(
            words, {"build-dir", "port-base", "redis-port", "monitoring-interval", "deploy-dir"},
            {"foreground", "monitoring"}, arguments)) {
      return usage(*error);
    }
    UpOptions options;
    if (auto dir = arguments.get("build-dir")) options.build_dir = *dir;
    if (auto dir = arguments.get("deploy-dir")) options.deploy_dir = *dir;
    options.foreground = arguments.has("foreground");
    options.monitoring = arguments.has("monitoring");
    if (auto text = arguments.get("monitoring-interval")) {
      const auto interval = parse_duration(*text);
      if (!options.monitoring) return usage("--monitoring-interval goes with --monitoring");
      if (!interval || interval->count() < 1 || interval->count() > 300)
        return usage("--monitoring-interval must be a duration from 1s to 5m");
      options.monitoring_interval = *interval;
    }
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
            parse_options(words, {"request-id", "trace-id", "service", "level", "since", "grep"},
                          {"follow"}, arguments)) {
      return usage(*error);
    }
    LogsOptions options;
    options.filter.request_id = arguments.get("request-id").value_or("");
    options.filter.trace_id = arguments.get("trace-id").value_or("");
    options.filter.service = arguments.get("service").value_or("");
    options.follow = arguments.has("follow");
    options.filter.grep = arguments.get("grep").value_or("");
    if (auto level = arguments.get("level")) {
      if (*level != "debug" && *level != "info" && *level != "warn" && *level != "error")
        return usage("--level must be debug, info, warn or error");
      options.filter.min_level = *level;
    }
    if (auto text = arguments.get("since")) {
      const auto back = parse_duration(*text);
      if (!back) return usage("--since must be a duration such as 90s, 5m or 1h");
      options.filter.since = rfc3339_utc(std::chrono::system_clock::now() - *back);
    }
    if (!options.filter.request_id.empty() && !options.filter.trace_id.empty()) {
      return usage("--request-id and --trace-id exclude each other");
    }
    return run_logs(options);
  }
  if (command == "top") {
    if (auto error = parse_options(words, {"port-base"}, {"once"}, arguments)) return usage(*error);
    TopOptions options;
    options.once = arguments.has("once");
    if (auto text = arguments.get("port-base")) {
      options.port_base = parse_port(*text);
      if (!options.port_base) return usage("--port-base must be a port");
    }
    return run_top(options);
  }
  if (command == "trace") {
    std::vector<std::string> positional;
    std::vector<std::string> options_words;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i].starts_with("--")) {
        options_words.push_back(words[i]);
        if (i + 1 < words.size() && !words[i + 1].starts_with("--"))
          options_words.push_back(words[++i]);
      } else {
        positional.push_back(words[i]);
      }
    }
    if (auto error = parse_options(options_words, {"slowest", "since"}, {}, arguments))
      return usage(*error);
    TraceOptions options;
    if (positional.size() > 1) return usage("trace takes one trace id");
    if (!positional.empty()) {
      options.trace_id = positional[0];
      if (options.trace_id.size() != 32 ||
          options.trace_id.find_first_not_of("0123456789abcdef") != std::string::npos)
        return usage("a trace id is 32 lower-case hex digits");
      if (arguments.get("slowest") || arguments.get("since"))
        return usage("a trace id and --slowest/--since exclude each other");
    }
    if (auto text = arguments.get("slowest")) {
      std::size_t count = 0;
      const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), count);
      if (error != std::errc{} || end != text->data() + text->size() || count == 0 ||
          count > 10'000)
        return usage("--slowest must be a number from 1 to 10000");
      options.slowest = count;
    }
    if (auto text = arguments.get("since")) {
      options.since = parse_duration(*text);
      if (!options.since) return usage("--since must be a duration such as 90s, 5m or 1h");
    }
    return run_trace(options);
  }
  if (command == "config") return run_config(words);
  if (command == "seed") {
    if (auto error = parse_options(words, {"subjects", "port-base"}, {"demo"}, arguments))
      return usage(*error);
    if (!arguments.has("demo")) return usage("seed needs --demo (the only data set there is)");
    SeedOptions options;
    if (auto text = arguments.get("subjects")) {
      std::size_t count = 0;
      const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), count);
      if (error != std::errc{} || end != text->data() + text->size() || count == 0 ||
          count > 10'000)
        return usage("--subjects must be a number from 1 to 10000");
      options.subjects = count;
    }
    if (auto text = arguments.get("port-base")) {
      options.port_base = parse_port(*text);
      if (!options.port_base) return usage("--port-base must be a port");
    }
    return run_seed(options);
  }
  if (command == "deploy" || command == "rollback") {
    std::vector<std::string> options_words = words;
    if (options_words.empty() || options_words[0].starts_with("--"))
      return usage(command + " needs a service name");
    const std::string service = options_words[0];
    options_words.erase(options_words.begin());
    if (command == "rollback") {
      if (auto error = parse_options(options_words, {"window"}, {}, arguments))
        return usage(*error);
      RollbackOptions options{.service = service};
      if (auto text = arguments.get("window")) {
        const auto window = parse_duration(*text);
        if (!window) return usage("--window must be a duration such as 30m or 1h");
        options.window = *window;
      }
      return run_rollback(options);
    }
    if (auto error = parse_options(options_words,
                                   {"build-dir", "steps", "pause", "interval", "max-error-rate",
                                    "max-p99", "min-requests", "window"},
                                   {}, arguments))
      return usage(*error);
    DeployOptions options{.service = service};
    if (auto dir = arguments.get("build-dir")) options.build_dir = *dir;
    if (auto text = arguments.get("steps")) {
      options.steps.clear();
      for (std::string_view rest = *text; !rest.empty();) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        int percent = 0;
        const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), percent);
        if (error != std::errc{} || end != item.data() + item.size() || percent < 1 ||
            percent > 100 || (!options.steps.empty() && percent <= options.steps.back()))
          return usage("--steps must be rising percentages such as 10,50,100");
        options.steps.push_back(percent);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
      if (options.steps.empty() || options.steps.back() != 100)
        return usage("--steps must end at 100");
    }
    for (const auto& [name, target] :
         {std::pair{"pause", &options.pause}, std::pair{"interval", &options.interval},
          std::pair{"max-p99", &options.max_p99}}) {
      if (auto text = arguments.get(name)) {
        const auto value = parse_milliseconds(*text);
        if (!value || value->count() <= 0)
          return usage(std::string("--") + name + " must be a duration such as 500ms or 10s");
        *target = *value;
      }
    }
    if (auto text = arguments.get("max-error-rate")) {
      double percent = -1;
      const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), percent);
      if (error != std::errc{} || end != text->data() + text->size() || percent < 0 ||
          percent > 100)
        return usage("--max-error-rate must be a percentage from 0 to 100");
      options.max_error_ratio = percent / 100;
    }
    if (auto text = arguments.get("min-requests")) {
      std::size_t count = 0;
      const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), count);
      if (error != std::errc{} || end != text->data() + text->size())
        return usage("--min-requests must be a number");
      options.min_requests = count;
    }
    if (auto text = arguments.get("window")) {
      const auto window = parse_duration(*text);
      if (!window) return usage("--window must be a duration such as 30m or 1h");
      options.rollback_window = *window;
    }
    return run_deploy(options);
  }
  if (command == "token") {
    if (auto error = parse_options(words, {"sub", "roles", "ttl"}, {}, arguments))
      return usage(*error);
    TokenOptions options;
    options.subject = arguments.get("sub").value_or("");
    if (options.subject.empty()) return usage("token needs --sub");
    const std::string roles = arguments.get("roles").value_or("");
    for (std::string_view rest = roles; !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string role(rest.substr(0, comma));
      if (role != "viewer" && role != "editor" && role != "admin")
        return usage("\"" + role + "\" is not a role (viewer, editor, admin)");
      options.roles.push_back(role);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (auto text = arguments.get("ttl")) {
      const auto ttl = parse_duration(*text);
      if (!ttl) return usage("--ttl must be a duration such as 90s, 15m, 1h or 7d");
      options.ttl = *ttl;
    }
    return run_token(options);
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
