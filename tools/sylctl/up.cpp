// `sylctl up`: starts Redis and every built service, waits until each is ready, prints
// where they are, then supervises them until SIGTERM/SIGINT (`sylctl down` sends it).
// SIGUSR1 makes it run the service instances var/run/instances.json lists, no more and no
// fewer (`sylctl deploy` adds and removes blue and green ones).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "commands.h"
#include "http_get.h"
#include "monitoring.h"
#include "platform/core/time.h"
#include "platform_token.h"
#include "process.h"

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 20s;
constexpr auto kStopTimeout = 15s;
constexpr auto kMaxBackoff = 30s;
constexpr auto kCrashWindow = 60s;
constexpr std::size_t kMaxCrashes = 5;
constexpr auto kPollInterval = 100ms;
constexpr std::size_t kLogTailLines = 20;
constexpr const char* kHost = "127.0.0.1";

// The signals the supervisor handles itself; blocked, and taken with sigtimedwait.
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (const int signal : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1}) sigaddset(&set, signal);
  return set;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Where the start-up report goes: the terminal with --foreground; otherwise a pipe to the
// `up` process that started the daemon, which prints it and exits with its status. The
// pipe's last byte is the status ('0' ready, '1' failed).
class Reporter {
 public:
  static Reporter terminal() { return Reporter(STDOUT_FILENO, STDERR_FILENO, false); }
  static Reporter pipe(int fd) { return Reporter(fd, fd, true); }

  void out(std::string_view text) const { write_all(out_fd_, text); }
  void error(std::string_view text) const { write_all(error_fd_, text); }
  void finish(bool ok) {
    if (!pipe_ || closed_) return;
    write_all(out_fd_, ok ? "0" : "1");
    ::close(out_fd_);
    closed_ = true;
  }

 private:
  Reporter(int out_fd, int error_fd, bool pipe)
      : out_fd_(out_fd), error_fd_(error_fd), pipe_(pipe) {}

  int out_fd_;
  int error_fd_;
  bool pipe_;
  bool closed_ = false;
};

struct Child {
  std::string name;
  std::optional<InstanceSpec> instance;  // a service instance (not Redis nor monitoring)
  SpawnSpec spec;
  std::uint16_t port = 0;
  bool is_redis = false;
  std::string ready_path = "/health/ready";
  pid_t pid = -1;
  Clock::time_point started_at{};
  std::deque<Clock::time_point> crashes;  // within the last kCrashWindow
  int consecutive_crashes = 0;
  std::optional<Clock::time_point> restart_at;
  bool given_up = false;
};

// What every service is started with beside the platform token.
struct PlatformSecrets {
  std::string jwt_secret;     // the gateway's HS256 key (sylctl token mints with it)
  std::string identity_keys;  // the gateway signs X-User-*, the services verify
  std::string docs_dir;       // swagger-ui-dist, when installed
};

class Supervisor {
 public:
  Supervisor(Layout layout, UpOptions options,
             std::vector<std::pair<ServiceSpec, std::filesystem::path>> services,
             std::string platform_token, PlatformSecrets secrets, Reporter& reporter)
      : layout_(std::move(layout)),
        options_(std::move(options)),
        services_(std::move(services)),
        platform_token_(std::move(platform_token)),
        secrets_(std::move(secrets)),
        reporter_(reporter) {}

  int run() {
    write_pid_file(layout_.pid_file(kSupervisorName), ::getpid());
    log("info", "starting", {{"pid", ::getpid()}});
    if (!start_everything()) {
      stop_everything();
      reporter_.finish(false);
      return kExitFailed;
    }
    State state{options_.ports, {}};
    for (const Child& child : children_) {
      if (!child.is_redis) state.services.push_back(child.name);
    }
    write_state(layout_, state);
    report_table();
    reporter_.finish(true);
    log("info", "ready", {{"services", static_cast<std::int64_t>(state.services.size())}});
    supervise();
    stop_everything();
    log("info", "stopped");
    return kExitOk;
  }

 private:
  bool start_everything() {
    if (port_answers(kHost, options_.ports.redis)) {
      log("info", "using the Redis already listening", {{"port", options_.ports.redis}});
    } else {
      Child redis;
      redis.name = std::string(kRedisName);
      redis.is_redis = true;
      redis.port = options_.ports.redis;
      redis.spec.argv = {"redis-server",
                         "--port",
                         std::to_string(options_.ports.redis),
                         "--bind",
                         kHost,
                         "--dir",
                         std::filesystem::absolute(layout_.redis_dir()).string(),
                         "--appendonly",
                         "yes",
                         "--save",
                         "",
                         "--loglevel",
                         "warning"};
      redis.spec.log_file = layout_.log_file(redis.name);
      if (!start_and_wait(std::move(redis))) return false;
    }
    for (const auto& [service, binary] : services_) {
      const InstanceSpec instance{std::string(service.name), std::string(service.name),
                                  binary.string(), options_.ports.service_port(service), "blue"};
      if (!start_and_wait(service_child(instance))) return false;
    }
    write_instances(layout_, desired_instances());
    return !options_.monitoring || start_monitoring();
  }

  Child service_child(const InstanceSpec& instance) const {
    Child child;
    child.name = instance.name;
    child.instance = instance;
    child.port = instance.port;
    child.spec.argv = {instance.binary};
    // One environment for every service: each reads its own settings and passes over
    // the others' (the gateway's token key, the file-service's public download base).
    child.spec.env = {{"SYL_HTTP_PORT", std::to_string(child.port)},
                      {"SYL_INSTANCE_COLOUR", instance.colour},
                      {"SYL_REDIS_URL", options_.ports.redis_url()},
                      {"SYL_PLATFORM_TOKEN", platform_token_},
                      {"SYL_GATEWAY_IDENTITY_KEYS", secrets_.identity_keys},
                      {"SYL_AUTH_JWT_SECRET", secrets_.jwt_secret}};
    if (auto url = service_database_url(instance.service))
      child.spec.env.emplace_back("SYL_DATABASE_URL", std::move(*url));
    // Download links name the gateway, the platform's one public address.
    if (runs("api-gateway"))
      child.spec.env.emplace_back("SYL_DOWNLOAD_BASE_URL", gateway_url() + "/api/v1");
    if (!secrets_.docs_dir.empty())
      child.spec.env.emplace_back("SYL_GATEWAY_DOCS_DIR", secrets_.docs_dir);
    // Every other service registers with the config-service (started first) and takes
    // its dynamic settings from it.
    if (instance.service != "config-service") {
      const auto registry = find_service("config-service");
      child.spec.env.emplace_back(
          "SYL_CONFIG_SERVICE_URL",
          "http://127.0.0.1:" + std::to_string(options_.ports.service_port(*registry)));
    }
    child.spec.log_file = layout_.log_file(child.name);
    return child;
  }

  std::vector<InstanceSpec> desired_instances() const {
    std::vector<InstanceSpec> instances;
    for (const Child& child : children_)
      if (child.instance) instances.push_back(*child.instance);
    return instances;
  }

  // SIGUSR1: the instances the list names run, the others stop. Starting does not wait
  // for readiness (the deploy watches that); stopping drains each (SIGTERM) in turn.
  void reconcile() {
    const std::vector<InstanceSpec> wanted = read_instances(layout_);
    if (wanted.empty()) {
      log("warn", "no instance list to apply; nothing changed",
          {{"file", layout_.instances_file().string()}});
      return;
    }
    for (auto child = children_.begin(); child != children_.end();) {
      const bool keep = !child->instance ||
                        std::find(wanted.begin(), wanted.end(), *child->instance) != wanted.end();
      if (keep) {
        ++child;
        continue;
      }
      stop(*child);
      std::filesystem::remove(layout_.pid_file(child->name));
      child = children_.erase(child);
    }
    for (const InstanceSpec& instance : wanted) {
      const bool running = std::any_of(children_.begin(), children_.end(), [&](const Child& c) {
        return c.instance && *c.instance == instance;
      });
      if (running) continue;
      Child child = service_child(instance);
      try {
        launch(child);
      } catch (const std::exception& error) {
        log("error", "cannot start", {{"child", child.name}, {"error", error.what()}});
        continue;
      }
      children_.push_back(std::move(child));
    }
    log("info", "applied the instance list",
        {{"instances", static_cast<std::int64_t>(wanted.size())}});
  }

  // Alertmanager, then Prometheus (which sends it alerts), after the services: Prometheus
  // finds them through the config-service's registry.
  bool start_monitoring() {
    const MonitoringPorts ports = monitoring_ports(options_.ports);
    const auto config_dir = std::filesystem::absolute(layout_.var_dir() / "monitoring");
    try {
      prepare_monitoring(options_.deploy_dir, config_dir, ports, options_.monitoring_interval);
    } catch (const std::exception& error) {
      reporter_.error(std::string("sylctl: ") + error.what() + "\n");
      return false;
    }
    const auto data = [this](std::string_view name) {
      const auto dir = std::filesystem::absolute(layout_.var_dir() / name);
      std::filesystem::create_directories(dir);
      return dir.string();
    };
    Child alertmanager;
    alertmanager.name = "alertmanager";
    alertmanager.port = ports.alertmanager;
    alertmanager.ready_path = "/-/ready";
    alertmanager.spec.argv = {
        "prometheus-alertmanager", "--config.file=" + (config_dir / "alertmanager.yml").string(),
        "--storage.path=" + data("alertmanager"),
        "--web.listen-address=127.0.0.1:" + std::to_string(ports.alertmanager),
        // One replica: no gossip (it would listen on every address otherwise).
        "--cluster.listen-address="};
    alertmanager.spec.log_file = layout_.log_file(alertmanager.name);
    if (!start_and_wait(std::move(alertmanager))) return false;
    Child prometheus;
    prometheus.name = "prometheus";
    prometheus.port = ports.prometheus;
    prometheus.ready_path = "/-/ready";
    prometheus.spec.argv = {"prometheus",
                            "--config.file=" + (config_dir / "prometheus.yml").string(),
                            "--storage.tsdb.path=" + data("prometheus"),
                            "--web.listen-address=127.0.0.1:" + std::to_string(ports.prometheus),
                            "--storage.tsdb.retention.time=7d"};
    prometheus.spec.log_file = layout_.log_file(prometheus.name);
    return start_and_wait(std::move(prometheus));
  }

  bool start_and_wait(Child child) {
    if (stop_requested()) {
      reporter_.error("sylctl: interrupted while starting; stopping what was started\n");
      return false;
    }
    try {
      launch(child);
    } catch (const std::exception& error) {
      reporter_.error("sylctl: cannot start " + child.name + ": " + error.what() + "\n");
      return false;
    }
    children_.push_back(std::move(child));
    return wait_ready(children_.back());
  }

  void launch(Child& child) {
    child.pid = spawn(child.spec);
    child.started_at = Clock::now();
    write_pid_file(layout_.pid_file(child.name), child.pid);
    log("info", "started", {{"child", child.name}, {"pid", child.pid}, {"port", child.port}});
  }

  bool wait_ready(Child& child) {
    const auto deadline = Clock::now() + kReadyTimeout;
    std::string last_answer = "no answer yet";
    while (Clock::now() < deadline) {
      if (stop_requested()) {
        reporter_.error("sylctl: interrupted while waiting for " + child.name +
                        "; stopping what was started\n");
        return false;
      }
      int status = 0;
      if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
        child.pid = -1;
        fail_start(child, "exited (" + describe_exit(status) + ") before it was ready");
        return false;
      }
      if (child.is_redis) {
        if (port_answers(kHost, child.port)) return true;
      } else {
        const HttpResult answer = http_get(kHost, child.port, child.ready_path, 1s);
        if (answer.ok() && answer.status == 200) return true;
        last_answer = answer.ok() ? "HTTP " + std::to_string(answer.status) : answer.error;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    fail_start(child, "was not ready within " + std::to_string(kReadyTimeout.count()) + " s (GET " +
                          child.ready_path + ": " + last_answer + ")");
    return false;
  }

  void fail_start(const Child& child, const std::string& what) {
    const auto log_file = layout_.log_file(child.name);
    log("error", "failed to start", {{"child", child.name}, {"reason", what}});
    reporter_.error("sylctl: " + child.name + " " + what + "; last lines of " + log_file.string() +
                    ":\n" + tail_lines(log_file, kLogTailLines));
  }

  void report_table() const {
    std::ostringstream table;
    const auto row = [&](std::string_view name, std::string_view pid, std::string_view url,
                         std::string_view log) {
      table << name << std::string(18 - std::min<std::size_t>(name.size(), 17), ' ') << pid
            << std::string(9 - std::min<std::size_t>(pid.size(), 8), ' ') << url
            << std::string(25 - std::min<std::size_t>(url.size(), 24), ' ') << log << '\n';
    };
    row("NAME", "PID", "URL", "LOG");
    for (const Child& child : children_) {
      const std::string url = child.is_redis ? options_.ports.redis_url()
                                             : "http://127.0.0.1:" + std::to_string(child.port);
      row(child.name, std::to_string(child.pid), url,
          std::filesystem::relative(child.spec.log_file).string());
    }
    table << "\nsupervisor pid " << ::getpid() << " (log "
          << std::filesystem::relative(layout_.log_file(kSupervisorName)).string()
          << "); stop it with " << (options_.foreground ? "Ctrl-C or " : "") << "`sylctl down`.\n";
    reporter_.out(table.str());
  }

  void supervise() {
    const sigset_t signals = handled_signals();
    for (;;) {
      auto wait = std::chrono::nanoseconds(1s);
      const auto now = Clock::now();
      for (const Child& child : children_) {
        if (child.restart_at) wait = std::min(wait, std::max(0ns, *child.restart_at - now));
      }
      const timespec timeout{static_cast<time_t>(wait.count() / 1'000'000'000),
                             static_cast<long>(wait.count() % 1'000'000'000)};
      siginfo_t info{};
      const int signal = ::sigtimedwait(&signals, &info, &timeout);
      if (signal == SIGTERM || signal == SIGINT || signal == SIGHUP) {
        log("info", "stopping", {{"signal", signal}});
        return;
      }
      if (signal == SIGUSR1) reconcile();
      reap();
      restart_due();
    }
  }

  void reap() {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      const auto child = std::find_if(children_.begin(), children_.end(),
                                      [pid](const Child& c) { return c.pid == pid; });
      if (child != children_.end()) record_crash(*child, describe_exit(status));
    }
  }

  void record_crash(Child& child, const std::string& how) {
    child.pid = -1;
    const auto now = Clock::now();
    while (!child.crashes.empty() && now - child.crashes.front() > kCrashWindow) {
      child.crashes.pop_front();
    }
    child.crashes.push_back(now);
    if (child.crashes.size() >= kMaxCrashes) {
      child.given_up = true;
      std::filesystem::remove(layout_.pid_file(child.name));
      log("error", "crashed too often; not restarting it",
          {{"child", child.name},
           {"exit", how},
           {"crashes", static_cast<std::int64_t>(child.crashes.size())},
           {"window_seconds", static_cast<std::int64_t>(kCrashWindow.count())}});
      return;
    }
    if (now - child.started_at >= kCrashWindow) child.consecutive_crashes = 0;
    ++child.consecutive_crashes;
    const auto backoff = std::min<std::chrono::seconds>(
        1s * (1 << std::min(child.consecutive_crashes - 1, 5)), kMaxBackoff);
    child.restart_at = now + backoff;
    log("warn", "exited unexpectedly; restarting",
        {{"child", child.name}, {"exit", how}, {"restart_in_seconds", backoff.count()}});
  }

  void restart_due() {
    const auto now = Clock::now();
    for (Child& child : children_) {
      if (!child.restart_at || *child.restart_at > now) continue;
      child.restart_at.reset();
      try {
        launch(child);
      } catch (const std::exception& error) {
        record_crash(child, error.what());
      }
    }
  }

  void stop_everything() {
    for (auto child = children_.rbegin(); child != children_.rend(); ++child) {
      stop(*child);
      std::filesystem::remove(layout_.pid_file(child->name));
    }
    std::filesystem::remove(layout_.state_file());
    std::filesystem::remove(layout_.instances_file());
    std::filesystem::remove(layout_.pid_file(kSupervisorName));
  }

  void stop(Child& child) {
    child.restart_at.reset();
    if (child.pid <= 0) return;
    ::kill(child.pid, SIGTERM);
    const auto deadline = Clock::now() + kStopTimeout;
    int status = 0;
    for (;;) {
      const pid_t reaped = ::waitpid(child.pid, &status, WNOHANG);
      if (reaped == child.pid || (reaped < 0 && errno == ECHILD)) break;
      if (Clock::now() >= deadline) {
        log("warn", "did not stop in time; killing it", {{"child", child.name}});
        ::kill(child.pid, SIGKILL);
        ::waitpid(child.pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    log("info", "stopped", {{"child", child.name}, {"exit", describe_exit(status)}});
    child.pid = -1;
  }

  bool stop_requested() const {
    sigset_t pending;
    sigemptyset(&pending);
    ::sigpending(&pending);
    return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1 ||
           sigismember(&pending, SIGHUP) == 1;
  }

  // One JSON line in var/log/sylctl.log (merged by `sylctl logs`); echoed to stderr with
  // --foreground.
  void log(std::string_view level, std::string_view msg, boost::json::object fields = {}) const {
    boost::json::object line{{"ts", platform::core::format_rfc3339(platform::core::now_utc())},
                             {"level", level},
                             {"service", kSupervisorName},
                             {"msg", msg}};
    for (const auto& field : fields) line[field.key()] = field.value();
    std::ofstream(layout_.log_file(kSupervisorName), std::ios::app)
        << boost::json::serialize(line) << '\n';
    if (options_.foreground) {
      std::string text = "sylctl: " + std::string(msg);
      if (!fields.empty()) text += " " + boost::json::serialize(fields);
      write_all(STDERR_FILENO, text + "\n");
    }
  }

  Layout layout_;
  UpOptions options_;
  std::vector<std::pair<ServiceSpec, std::filesystem::path>> services_;
  bool runs(std::string_view name) const {
    return std::any_of(services_.begin(), services_.end(),
                       [&](const auto& service) { return service.first.name == name; });
  }

  std::string gateway_url() const {
    return "http://127.0.0.1:" +
           std::to_string(options_.ports.service_port(*find_service("api-gateway")));
  }

  std::string platform_token_;
  PlatformSecrets secrets_;
  Reporter& reporter_;
  std::vector<Child> children_;  // start order: Redis (when started here) first
};

// The parent side of a daemonized start: prints the report, returns the status.
int relay_report(int fd) {
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t received = ::read(fd, buffer, sizeof buffer);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) break;
    text.append(buffer, static_cast<std::size_t>(received));
  }
  ::close(fd);
  const bool ok = !text.empty() && text.back() == '0';
  if (!text.empty() && (text.back() == '0' || text.back() == '1')) text.pop_back();
  if (ok) {
    std::cout << text << std::flush;
    return kExitOk;
  }
  std::cerr << (text.empty() ? "sylctl: the supervisor stopped before it was ready\n" : text);
  return kExitFailed;
}

}  // namespace

int run_up(const UpOptions& options) {
  const Layout layout(std::filesystem::current_path());
  UpOptions resolved = options;
  resolved.build_dir = std::filesystem::absolute(options.build_dir);
  resolved.deploy_dir = std::filesystem::absolute(options.deploy_dir);

  if (auto pid = read_pid_file(layout.pid_file(kSupervisorName)); pid && is_alive(*pid)) {
    std::cerr << "sylctl: already running (supervisor pid " << *pid
              << "); stop it first with `sylctl down`\n";
    return kExitFailed;
  }
  std::vector<std::pair<ServiceSpec, std::filesystem::path>> services;
  for (const ServiceSpec& spec : kServices) {
    const auto binary = resolved.build_dir / spec.binary;
    if (std::filesystem::is_regular_file(binary)) services.emplace_back(spec, binary);
  }
  if (services.empty()) {
    std::cerr << "sylctl: no service binaries under " << resolved.build_dir.string()
              << " (build them first, or pass --build-dir)\n";
    return kExitFailed;
  }
  for (const auto& dir : {layout.log_dir(), layout.run_dir(), layout.redis_dir()}) {
    std::filesystem::create_directories(dir);
  }
  // The platform's token: made on the first `up`, the same on every later one.
  const std::string token = platform_token(layout);
  PlatformSecrets secrets{
      .jwt_secret = jwt_secret(layout), .identity_keys = identity_keys(layout), .docs_dir = {}};
  // Swagger UI's files, where the install script puts them.
  if (const auto docs =
          std::filesystem::current_path() / "tools/swagger-ui/node_modules/swagger-ui-dist";
      std::filesystem::is_regular_file(docs / "swagger-ui-bundle.js"))
    secrets.docs_dir = docs.string();

  const sigset_t signals = handled_signals();
  sigset_t previous;
  ::sigprocmask(SIG_BLOCK, &signals, &previous);
  if (resolved.foreground) {
    Reporter reporter = Reporter::terminal();
    return Supervisor(layout, resolved, std::move(services), token, secrets, reporter).run();
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("sylctl: pipe");
    return kExitFailed;
  }
  std::cout << std::flush;
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("sylctl: fork");
    return kExitFailed;
  }
  if (pid > 0) {
    ::close(fds[1]);
    ::sigprocmask(SIG_SETMASK, &previous, nullptr);
    return relay_report(fds[0]);
  }
  // The supervisor: its own session, no terminal; it reports through the pipe and logs
  // to var/log/sylctl.log.
  ::close(fds[0]);
  ::setsid();
  if (const int null = ::open("/dev/null", O_RDWR); null >= 0) {
    for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) ::dup2(null, fd);
    if (null > STDERR_FILENO) ::close(null);
  }
  Reporter reporter = Reporter::pipe(fds[1]);
  const int code =
      Supervisor(layout, resolved, std::move(services), token, secrets, reporter).run();
  reporter.finish(code == kExitOk);
  return code;
}

}  // namespace sylctl
