// `sylctl top`: a live view of every instance, refreshed every second from its /metrics.
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <csignal>
#include <iostream>
#include <map>
#include <thread>

#include "commands.h"
#include "http_get.h"
#include "top_view.h"

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::atomic<bool> interrupted{false};

// Reads keys one by one without echo while the view runs; the terminal as it was after.
class RawTerminal {
 public:
  RawTerminal() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

struct Target {
  std::string service;
  std::string host;
  std::uint16_t port = 0;
  std::string address() const { return host + ":" + std::to_string(port); }
};

// host:port of an instance's URL ("http://127.0.0.1:8101"); nullopt for anything else.
std::optional<Target> target_of(const std::string& service, std::string_view url) {
  if (!url.starts_with("http://")) return std::nullopt;
  url.remove_prefix(7);
  url = url.substr(0, url.find('/'));
  const auto colon = url.rfind(':');
  if (colon == std::string_view::npos) return Target{service, std::string(url), 80};
  unsigned port = 0;
  const auto text = url.substr(colon + 1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || port == 0 || port > 65535) return std::nullopt;
  return Target{service, std::string(url.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

// Every instance the registry lists, and the config-service itself; without a registry,
// the services `up` recorded on their ports.
std::vector<Target> discover(const Ports& ports, const std::vector<std::string>& recorded) {
  std::vector<Target> targets;
  const std::uint16_t config_port = ports.base;
  const HttpResult services = http_get("127.0.0.1", config_port, "/registry/services", 1s);
  if (services.ok() && services.status == 200) {
    targets.push_back({"config-service", "127.0.0.1", config_port});
    boost::system::error_code error;
    const auto document = boost::json::parse(services.body, error);
    if (!error && document.is_object()) {
      if (const auto* list = document.as_object().if_contains("services");
          list && list->is_array()) {
        for (const auto& entry : list->as_array()) {
          if (!entry.is_object() || !entry.as_object().contains("name")) continue;
          const std::string name(entry.as_object().at("name").as_string());
          const HttpResult instances =
              http_get("127.0.0.1", config_port, "/registry/services/" + name + "/instances", 1s);
          if (!instances.ok() || instances.status != 200) continue;
          const auto parsed = boost::json::parse(instances.body, error);
          if (error || !parsed.is_object()) continue;
          for (const auto& instance : parsed.as_object().at("instances").as_array()) {
            if (!instance.is_object() || !instance.as_object().contains("url")) continue;
            if (auto target = target_of(name, instance.as_object().at("url").as_string()))
              targets.push_back(std::move(*target));
          }
        }
      }
    }
    return targets;
  }
  for (const auto& name : recorded) {
    if (const auto spec = find_service(name))
      targets.push_back({name, "127.0.0.1", ports.service_port(*spec)});
  }
  return targets;
}

std::pair<std::size_t, std::size_t> terminal_size() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 && size.ws_row > 0)
    return {size.ws_col, size.ws_row};
  return {80, 24};
}

}  // namespace

int run_top(const TopOptions& options) {
  const Layout layout(std::filesystem::current_path());
  const auto state = read_state(layout);
  Ports ports = state ? state->ports : Ports{};
  if (options.port_base) ports.base = *options.port_base;
  const std::vector<std::string> recorded =
      state ? state->services
            : std::vector<std::string>({"config-service", "subject-service", "file-service",
                                        "syllabus-service", "api-gateway"});

  const bool live = !options.once && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO);
  std::optional<RawTerminal> raw;
  if (live) raw.emplace();
  interrupted = false;
  struct sigaction action {};
  action.sa_handler = [](int) { interrupted = true; };
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  std::map<std::string, std::pair<Sample, Clock::time_point>> previous;  // by address
  int frames = 0;
  for (;;) {
    const auto targets = discover(ports, recorded);
    std::vector<InstanceRow> rows;
    std::map<std::string, std::pair<Sample, Clock::time_point>> current;
    for (const Target& target : targets) {
      const HttpResult answer = http_get(target.host, target.port, "/metrics", 800ms);
      if (!answer.ok() || answer.status != 200) {
        InstanceRow row{.service = target.service, .address = target.address()};
        row.reachable = false;
        rows.push_back(std::move(row));
        continue;
      }
      const auto now = Clock::now();
      Sample sample = parse_metrics(answer.body);
      const auto before = previous.find(target.address());
      if (before != previous.end()) {
        const double seconds = std::chrono::duration<double>(now - before->second.second).count();
        rows.push_back(
            summarize(target.service, target.address(), before->second.first, sample, seconds));
      } else {
        rows.push_back(summarize(target.service, target.address(), sample, sample, 0));
      }
      current[target.address()] = {std::move(sample), now};
    }
    previous = std::move(current);
    ++frames;
    const auto [width, height] =
        live ? terminal_size() : std::pair<std::size_t, std::size_t>{80, 24};
    const std::string title = "sylctl top: " + std::to_string(targets.size()) +
                              " instance(s), every " + std::to_string(options.interval.count()) +
                              " ms; the worst is marked";
    if (live) {
      std::cout << "\x1b[H\x1b[2J" << format_top(rows, width, height, true, title)
                << "q or Ctrl-C quits" << std::flush;
    } else if (frames >= 2) {
      // Once: rates need two scrapes, so the first is not shown.
      std::cout << format_top(rows, width, height, false, title);
      return targets.empty() ? kExitNotReady : kExitOk;
    }
    // Wait for the next refresh, or a key.
    const auto until = Clock::now() + options.interval;
    while (Clock::now() < until) {
      if (interrupted) {
        if (live) std::cout << "\n";
        return kExitOk;
      }
      pollfd input{STDIN_FILENO, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (live && ::poll(&input, 1, static_cast<int>(std::max<long>(1, left.count()))) > 0) {
        char key = 0;
        if (::read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q')) {
          std::cout << "\n";
          return kExitOk;
        }
      } else if (!live) {
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(left, 100ms));
      }
    }
  }
}

}  // namespace sylctl
