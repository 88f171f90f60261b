// `sylctl deploy SERVICE --build-dir DIR` and `sylctl rollback SERVICE`: blue-green on the
// local platform (docs/deploy.md).
//
// The new version starts beside the running one in the other colour (its own port, the
// same database), gets no traffic until a smoke test against it directly passed, then
// takes a growing share of every registry client's calls (the registry's traffic split:
// the gateway and the services calling each other follow it at once) while its error
// ratio and p99 are read from its own /metrics every second. A breach, or a failed smoke
// test, sends the traffic back and stops it; success drains and stops the old one, whose
// binary is kept for `sylctl rollback` within the rollback window.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

#include "commands.h"
#include "http_get.h"
#include "json_file.h"
#include "platform/core/time.h"
#include "platform/http/client.h"
#include "platform_token.h"
#include "process.h"
#include "top_view.h"

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 30s;
constexpr auto kStopTimeout = 30s;
constexpr const char* kHost = "127.0.0.1";

// The services behind the registry's traffic split. The config-service is the registry
// itself and the gateway the switch: those two are restarted in place instead.
struct Deployable {
  std::string_view service;
  std::string_view smoke_read;  // a read every version must answer 200 with JSON
};
constexpr std::array kDeployable = {
    Deployable{"subject-service", "/subjects?limit=1"},
    Deployable{"file-service", "/files?limit=1"},
    Deployable{"syllabus-service", "/syllabi?limit=1"},
};

std::string other_colour(std::string_view colour) {
  return colour == "green" ? "blue" : "green";
}

std::string percent_text(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", ratio * 100);
  return text;
}

std::string ms_text(std::optional<double> seconds) {
  if (!seconds) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f ms", *seconds * 1000);
  return text;
}

// The running platform of this directory and the means to change it.
class LocalPlatform {
 public:
  static std::unique_ptr<LocalPlatform> find() {
    Layout layout(std::filesystem::current_path());
    const auto supervisor = read_pid_file(layout.pid_file(kSupervisorName));
    if (!supervisor || !is_alive(*supervisor)) {
      std::cerr << "sylctl: the platform is not running here (start it with `sylctl up`)\n";
      return nullptr;
    }
    const auto state = read_state(layout);
    auto token = existing_platform_token(layout);
    if (!state || !token) {
      std::cerr << "sylctl: " << layout.state_file().string() << " or the platform token is "
                << "missing; restart the platform with `sylctl up`\n";
      return nullptr;
    }
    return std::unique_ptr<LocalPlatform>(
        new LocalPlatform(std::move(layout), state->ports, *supervisor, std::move(*token)));
  }

  const Layout& layout() const { return layout_; }
  const Ports& ports() const { return ports_; }

  // Writes the instance list and has the supervisor apply it.
  bool apply(const std::vector<InstanceSpec>& instances) const {
    write_instances(layout_, instances);
    if (::kill(supervisor_, SIGUSR1) != 0) {
      std::perror("sylctl: cannot signal the supervisor");
      return false;
    }
    return true;
  }

  // PUT (percent_new to `colour`, the rest to the other) or, with nullopt, DELETE the
  // service's traffic split.
  bool set_traffic(const std::string& service, const std::string& colour,
                   std::optional<int> percent) {
    platform::http::ClientRequest request{
        .method = percent ? "PUT" : "DELETE",
        .url = config_url_ + "/registry/services/" + service + "/traffic"};
    request.headers.set("Authorization", "Bearer " + token_);
    if (percent) {
      request.headers.set("Content-Type", "application/json");
      boost::json::object split{{colour, *percent}, {other_colour(colour), 100 - *percent}};
      request.body = boost::json::serialize(split);
    }
    const auto answer = client_.send(request);
    if (answer && answer->status / 100 == 2) return true;
    std::cerr << "sylctl: the registry refused the traffic split of " << service << ": "
              << (answer ? "HTTP " + std::to_string(answer->status) : answer.error().detail())
              << "\n";
    return false;
  }

  // Whether the registry lists an instance of `service` in `colour` on `port`.
  bool registered(const std::string& service, const std::string& colour, std::uint16_t port) {
    const auto answer =
        client_.send({.url = config_url_ + "/registry/services/" + service + "/instances"});
    if (!answer || answer->status != 200) return false;
    boost::system::error_code error;
    const auto body = boost::json::parse(answer->body, error);
    if (error || !body.is_object()) return false;
    const auto* list = body.as_object().if_contains("instances");
    if (list == nullptr || !list->is_array()) return false;
    const std::string suffix = ":" + std::to_string(port);
    for (const auto& item : list->as_array()) {
      if (!item.is_object()) continue;
      const auto* url = item.as_object().if_contains("url");
      const auto* shade = item.as_object().if_contains("colour");
      if (url && url->is_string() && shade && shade->is_string() && shade->as_string() == colour &&
          std::string_view(url->as_string()).ends_with(suffix))
        return true;
    }
    return false;
  }

 private:
  LocalPlatform(Layout layout, Ports ports, pid_t supervisor, std::string token)
      : layout_(std::move(layout)),
        ports_(ports),
        supervisor_(supervisor),
        token_(std::move(token)),
        config_url_("http://127.0.0.1:" +
                    std::to_string(ports_.service_port(*find_service("config-service")))),
        client_({.connect_timeout = 2s, .request_timeout = 5s, .peer_name = "config-service"}) {}

  Layout layout_;
  Ports ports_;
  pid_t supervisor_;
  std::string token_;
  std::string config_url_;
  platform::http::Client client_;
};

// One deploy or rollback at a time per platform: an advisory lock, released on exit.
class DeployLock {
 public:
  explicit DeployLock(const Layout& layout) {
    std::filesystem::create_directories(layout.deploy_dir());
    fd_ = ::open((layout.deploy_dir() / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    held_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~DeployLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DeployLock(const DeployLock&) = delete;
  DeployLock& operator=(const DeployLock&) = delete;
  bool held() const { return held_; }

 private:
  int fd_ = -1;
  bool held_ = false;
};

// What the service ran before its last deploy or rollback: var/deploy/<service>.json.
struct Previous {
  std::string binary;
  std::string colour;
  std::int64_t retired_at = 0;  // Unix seconds
};

std::filesystem::path record_file(const Layout& layout, const std::string& service) {
  return layout.deploy_dir() / (service + ".json");
}

void write_previous(const Layout& layout, const std::string& service, const Previous& previous) {
  write_json_file(record_file(layout, service),
                  boost::json::object{{"previous",
                                       {{"binary", previous.binary},
                                        {"colour", previous.colour},
                                        {"retired_at", previous.retired_at}}}});
}

std::optional<Previous> read_previous(const Layout& layout, const std::string& service) {
  const auto value = read_json_file(record_file(layout, service));
  if (!value || !value->is_object()) return std::nullopt;
  const auto* previous = value->as_object().if_contains("previous");
  if (previous == nullptr || !previous->is_object()) return std::nullopt;
  const auto& object = previous->as_object();
  const auto* binary = object.if_contains("binary");
  const auto* colour = object.if_contains("colour");
  const auto* retired = object.if_contains("retired_at");
  if (!binary || !binary->is_string() || !colour || !colour->is_string() || !retired ||
      !retired->is_int64())
    return std::nullopt;
  return Previous{std::string(binary->as_string()), std::string(colour->as_string()),
                  retired->as_int64()};
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Ctrl-C, SIGTERM or SIGHUP during a deploy or rollback: the flag makes the running
// step give up the way a breach does (traffic back to the running version, the new one
// stopped); a second signal kills at once, and `sylctl rollback` finishes the work.
volatile std::sig_atomic_t interrupted_by = 0;

void on_interrupt(int signal) {
  interrupted_by = signal;
  std::signal(signal, SIG_DFL);
}

class InterruptGuard {
 public:
  InterruptGuard() {
    interrupted_by = 0;
    for (const int signal : kSignals) previous_.push_back(std::signal(signal, on_interrupt));
  }
  ~InterruptGuard() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) std::signal(kSignals[i], previous_[i]);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  static constexpr std::array kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::vector<void (*)(int)> previous_;
};

std::string interruption() {
  return interrupted_by == 0 ? std::string()
                             : std::string("SIG") + ::sigabbrev_np(interrupted_by) + " received";
}

// Sleeps `duration` in short slices; false as soon as the deploy is interrupted.
bool pause_for(Clock::duration duration) {
  const auto until = Clock::now() + duration;
  while (interrupted_by == 0) {
    const auto left = until - Clock::now();
    if (left <= Clock::duration::zero()) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(left, 100ms));
  }
  return false;
}

// A deploy under way: var/deploy/<service>.deploying.json from the moment the new version
// may start until traffic and instances are settled. Left behind when the deploy was
// killed; `sylctl rollback` then finishes it.
struct Pending {
  std::string from_colour;
  std::string to_colour;
  std::string kept_binary;  // the running version's, for a rollback after success
};

std::filesystem::path pending_file(const Layout& layout, const std::string& service) {
  return layout.deploy_dir() / (service + ".deploying.json");
}

void write_pending(const Layout& layout, const std::string& service, const Pending& pending) {
  write_json_file(pending_file(layout, service),
                  boost::json::object{{"from", pending.from_colour},
                                      {"to", pending.to_colour},
                                      {"kept_binary", pending.kept_binary}});
}

std::optional<Pending> read_pending(const Layout& layout, const std::string& service) {
  const auto value = read_json_file(pending_file(layout, service));
  if (!value) return std::nullopt;
  Pending pending;  // unreadable: empty, and finish_interrupted says so
  if (!value->is_object()) return pending;
  const auto& object = value->as_object();
  for (auto [key, field] :
       {std::pair{"from", &pending.from_colour}, std::pair{"to", &pending.to_colour},
        std::pair{"kept_binary", &pending.kept_binary}})
    if (const auto* item = object.if_contains(key); item && item->is_string())
      *field = std::string(item->as_string());
  return pending;
}

// A copy of `binary` under var/deploy/releases/<service>/, so that a rebuild cannot change
// what an instance runs or what a rollback returns to.
std::filesystem::path keep_release(const Layout& layout, const std::string& service,
                                   const std::filesystem::path& binary, const std::string& tag) {
  const auto dir = layout.deploy_dir() / "releases" / service /
                   (std::to_string(unix_now()) + "-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto copy = dir / service;
  std::filesystem::copy_file(binary, copy, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(
      copy, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                std::filesystem::perms::others_exec);
  return std::filesystem::absolute(copy);
}

bool wait_ready(std::uint16_t port, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const auto answer = http_get(kHost, port, "/health/ready", 1s);
    if (answer.ok() && answer.status == 200) return true;
    if (!pause_for(100ms)) return false;
  }
  return false;
}

// Until the instance's pid file is gone and its process with it.
bool wait_stopped(const Layout& layout, const std::string& name, std::optional<pid_t> pid) {
  const auto deadline = Clock::now() + kStopTimeout;
  while (Clock::now() < deadline) {
    const bool file_gone = !std::filesystem::exists(layout.pid_file(name));
    if (file_gone && (!pid || !is_alive(*pid))) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::set<std::string> operations_of(const std::string& openapi) {
  std::set<std::string> operations;
  boost::system::error_code error;
  const auto document = boost::json::parse(openapi, error);
  if (error || !document.is_object()) return operations;
  const auto* paths = document.as_object().if_contains("paths");
  if (paths == nullptr || !paths->is_object()) return operations;
  for (const auto& [path, item] : paths->as_object()) {
    if (!item.is_object()) continue;
    for (const auto& [method, operation] : item.as_object())
      operations.insert(std::string(method) + " " + std::string(path));
  }
  return operations;
}

std::set<std::string> keys_of(const std::string& json) {
  std::set<std::string> keys;
  boost::system::error_code error;
  const auto value = boost::json::parse(json, error);
  if (error || !value.is_object()) return keys;
  for (const auto& [key, item] : value.as_object()) keys.insert(std::string(key));
  return keys;
}

// The new instance, called directly: ready, a read answered with JSON, and nothing the
// running version offers gone (its OpenAPI operations, the fields of the read's answer).
struct SmokeResult {
  bool passed = false;
  std::string detail;
};

SmokeResult smoke_test(std::string_view read, std::uint16_t live_port, std::uint16_t new_port) {
  const auto ready = http_get(kHost, new_port, "/health/ready", 2s);
  if (!ready.ok() || ready.status != 200)
    return {false, "GET /health/ready: " +
                       (ready.ok() ? "HTTP " + std::to_string(ready.status) : ready.error)};
  const auto answer = http_get(kHost, new_port, read, 5s);
  if (!answer.ok() || answer.status != 200)
    return {false, "GET " + std::string(read) + ": " +
                       (answer.ok() ? "HTTP " + std::to_string(answer.status) : answer.error)};
  const auto new_keys = keys_of(answer.body);
  if (new_keys.empty())
    return {false, "GET " + std::string(read) + " did not answer a JSON object"};
  const auto live_answer = http_get(kHost, live_port, read, 5s);
  if (live_answer.ok() && live_answer.status == 200) {
    for (const auto& key : keys_of(live_answer.body))
      if (!new_keys.contains(key))
        return {false, "GET " + std::string(read) + " no longer answers the field \"" + key + "\""};
  }
  const auto live_doc = http_get(kHost, live_port, "/openapi.json", 5s);
  const auto new_doc = http_get(kHost, new_port, "/openapi.json", 5s);
  if (!new_doc.ok() || new_doc.status != 200) return {false, "GET /openapi.json failed"};
  const auto offered = operations_of(new_doc.body);
  std::size_t kept = 0;
  if (live_doc.ok() && live_doc.status == 200) {
    for (const auto& operation : operations_of(live_doc.body)) {
      if (!offered.contains(operation))
        return {false, "the contract lost an operation the running version has: " + operation};
      ++kept;
    }
  }
  return {true, "ready; GET " + std::string(read) + " 200; contract: " + std::to_string(kept) +
                    " operations of the running version kept"};
}

// Runs `binary migrate --check-compatible` with the service's database: whether the
// migrations it would apply keep the running version working (expand, never contract).
struct CompatibilityResult {
  bool compatible = false;
  std::string detail;
};

CompatibilityResult check_migrations(const Layout& layout, const std::filesystem::path& binary,
                                     const std::string& service) {
  SpawnSpec spec;
  spec.argv = {binary.string(), "migrate", "--check-compatible"};
  if (auto url = service_database_url(service))
    spec.env.emplace_back("SYL_DATABASE_URL", std::move(*url));
  spec.log_file = layout.deploy_dir() / (service + "-migration-check.log");
  std::filesystem::remove(spec.log_file);
  const pid_t pid = spawn(spec);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string output = tail_lines(spec.log_file, 20);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {true, output};
  return {false, output.empty() ? describe_exit(status) : output};
}

struct StepReport {
  int percent = 0;
  double seconds = 0;
  RequestWindow window;
  std::string breach;  // empty: none
};

struct DeployReport {
  std::string service;
  std::string from_colour;
  std::string to_colour;
  std::string outcome;  // "deployed", "rolled back", "refused", "interrupted"
  std::string reason;
  std::string smoke;
  std::vector<StepReport> steps;
  double detected_after_seconds = 0;  // since the traffic first reached the new version
  double total_seconds = 0;
};

boost::json::object to_json(const DeployReport& report) {
  boost::json::array steps;
  for (const auto& step : report.steps) {
    boost::json::object json{{"percent", step.percent},
                             {"seconds", step.seconds},
                             {"requests", step.window.requests},
                             {"errors", step.window.errors},
                             {"breach", step.breach}};
    if (step.window.p99_seconds) json["p99_seconds"] = *step.window.p99_seconds;
    steps.push_back(std::move(json));
  }
  return {{"service", report.service},
          {"from", report.from_colour},
          {"to", report.to_colour},
          {"outcome", report.outcome},
          {"reason", report.reason},
          {"smoke_test", report.smoke},
          {"steps", std::move(steps)},
          {"detected_after_seconds", report.detected_after_seconds},
          {"total_seconds", report.total_seconds}};
}

void save_report(const Layout& layout, const DeployReport& report) {
  const auto dir = layout.deploy_dir() / "reports";
  std::filesystem::create_directories(dir);
  const auto name = report.service + "-" + std::to_string(unix_now()) + ".json";
  const boost::json::value document = to_json(report);
  write_json_file(dir / name, document);
  write_json_file(dir / (report.service + "-last.json"), document);
  std::cout << "report: " << std::filesystem::relative(dir / name).string() << "\n";
}

class Deploy {
 public:
  Deploy(LocalPlatform& platform, const DeployOptions& options)
      : platform_(platform), options_(options) {}

  int run() {
    const auto started = Clock::now();
    report_.service = options_.service;
    const int code = attempt();
    report_.total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    save_report(platform_.layout(), report_);
    return code;
  }

 private:
  int attempt() {
    const Layout& layout = platform_.layout();
    const auto spec = find_service(options_.service);
    const auto binary = std::filesystem::absolute(options_.build_dir) / spec->binary;
    if (!std::filesystem::is_regular_file(binary)) {
      report_.outcome = "refused";
      report_.reason = "no binary at " + binary.string();
      std::cerr << "sylctl: " << report_.reason << "\n";
      return kExitFailed;
    }
    instances_ = read_instances(layout);
    std::vector<InstanceSpec> live;
    for (const auto& instance : instances_)
      if (instance.service == options_.service) live.push_back(instance);
    if (std::filesystem::exists(pending_file(layout, options_.service))) {
      report_.outcome = "refused";
      report_.reason = "an earlier deploy of " + options_.service +
                       " was interrupted: `sylctl rollback " + options_.service + "` finishes it";
      std::cerr << "sylctl: " << report_.reason << "\n";
      return kExitFailed;
    }
    if (live.size() != 1) {
      report_.outcome = "refused";
      report_.reason = live.empty() ? options_.service + " is not running"
                                    : options_.service +
                                          " runs in both colours (a deploy was interrupted): "
                                          "`sylctl rollback " +
                                          options_.service + "` or deploy again after it";
      std::cerr << "sylctl: " << report_.reason << "\n";
      return kExitFailed;
    }
    live_ = live.front();
    report_.from_colour = live_.colour;
    const std::string colour = other_colour(live_.colour);
    report_.to_colour = colour;
    std::cout << "sylctl: deploying " << options_.service << ": " << live_.colour << " (port "
              << live_.port << ") -> " << colour << " (port "
              << instance_port(platform_.ports(), *spec, colour) << ")\n";

    // Expand/contract: nothing the new version would apply may break the running one.
    const auto migrations = check_migrations(layout, binary, options_.service);
    if (!migrations.compatible) {
      report_.outcome = "refused";
      report_.reason = "its migrations would break the running version:\n" + migrations.detail;
      std::cerr << "sylctl: refused: " << report_.reason;
      return kExitFailed;
    }
    std::cout << "  migrations: " << migrations.detail;

    // The binaries, copied: the running one as it is in memory (a rebuild may have
    // replaced its file), the new one so that a later rebuild does not change it.
    const auto live_pid = read_pid_file(layout.pid_file(live_.name));
    kept_live_binary_ = live_.binary;
    if (live_pid && !live_.binary.starts_with((layout.deploy_dir() / "releases").string())) {
      std::error_code error;
      const auto running = std::filesystem::path("/proc") / std::to_string(*live_pid) / "exe";
      if (std::filesystem::exists(running, error))
        kept_live_binary_ = keep_release(layout, options_.service, running, live_.colour).string();
    }
    next_ = InstanceSpec{instance_name(options_.service, colour), options_.service,
                         keep_release(layout, options_.service, binary, colour).string(),
                         instance_port(platform_.ports(), *spec, colour), colour};

    // No traffic for the new version until it proved itself.
    write_pending(layout, options_.service, {live_.colour, colour, kept_live_binary_});
    if (!platform_.set_traffic(options_.service, colour, 0)) return give_up("registry", false);
    std::vector<InstanceSpec> both = instances_;
    both.push_back(next_);
    if (!platform_.apply(both)) return give_up("cannot start it", false);
    if (!wait_ready(next_.port, kReadyTimeout))
      return give_up(interrupted_by != 0
                         ? interruption()
                         : "it was not ready within " + std::to_string(kReadyTimeout.count()) +
                               " s (see " + platform_.layout().log_file(next_.name).string() + ")",
                     true);
    const auto registered_by = Clock::now() + 10s;
    while (!platform_.registered(options_.service, colour, next_.port)) {
      if (Clock::now() > registered_by) return give_up("it did not register", true);
      if (!pause_for(100ms)) return give_up(interruption(), true);
    }
    const auto read = std::find_if(kDeployable.begin(), kDeployable.end(), [&](const auto& d) {
                        return d.service == options_.service;
                      })->smoke_read;
    const SmokeResult smoke = smoke_test(read, live_.port, next_.port);
    report_.smoke = smoke.detail;
    if (!smoke.passed) return give_up("smoke test failed: " + smoke.detail, true);
    if (interrupted_by != 0) return give_up(interruption(), true);
    std::cout << "  smoke test: " << smoke.detail << "\n";

    const auto first_traffic = Clock::now();
    for (const int percent : options_.steps) {
      if (!platform_.set_traffic(options_.service, colour, percent))
        return give_up("registry", true);
      StepReport step = watch(percent);
      report_.steps.push_back(step);
      std::cout << "  " << percent << "%: " << static_cast<long long>(step.window.requests)
                << " requests to " << colour << ", " << static_cast<long long>(step.window.errors)
                << " 5xx ("
                << percent_text(step.window.requests > 0 ? step.window.errors / step.window.requests
                                                         : 0)
                << "), p99 " << ms_text(step.window.p99_seconds) << "\n";
      if (!step.breach.empty()) {
        report_.detected_after_seconds =
            std::chrono::duration<double>(Clock::now() - first_traffic).count();
        return give_up("at " + std::to_string(percent) + "%: " + step.breach, true);
      }
    }

    // Done: the old version drains and stops; its binary stays for a rollback.
    std::vector<InstanceSpec> only_new;
    for (const auto& instance : both)
      if (!(instance == live_)) only_new.push_back(instance);
    platform_.apply(only_new);
    if (!wait_stopped(layout, live_.name, live_pid))
      std::cerr << "sylctl: " << live_.name << " is slow to stop\n";
    platform_.set_traffic(options_.service, colour, std::nullopt);
    write_previous(layout, options_.service, {kept_live_binary_, live_.colour, unix_now()});
    std::filesystem::remove(pending_file(layout, options_.service));
    report_.outcome = "deployed";
    std::cout << "sylctl: " << options_.service << " now runs " << colour << "; " << live_.colour
              << " stopped (`sylctl rollback " << options_.service << "` returns to it within "
              << options_.rollback_window.count() / 60 << " min)\n";
    return kExitOk;
  }

  // Samples the new version's /metrics every second for the step's pause; a breach ends
  // the step at once.
  StepReport watch(int percent) {
    StepReport step{.percent = percent};
    const auto begun = Clock::now();
    const auto first = http_get(kHost, next_.port, "/metrics", 2s);
    const Sample before = parse_metrics(first.ok() ? first.body : "");
    while (Clock::now() - begun < options_.pause) {
      if (!pause_for(std::min<Clock::duration>(options_.interval,
                                               options_.pause - (Clock::now() - begun)))) {
        step.seconds = std::chrono::duration<double>(Clock::now() - begun).count();
        step.breach = interruption();
        return step;
      }
      const auto scrape = http_get(kHost, next_.port, "/metrics", 2s);
      step.seconds = std::chrono::duration<double>(Clock::now() - begun).count();
      if (!scrape.ok() || scrape.status != 200) {
        step.breach = "its /metrics did not answer (" +
                      (scrape.ok() ? "HTTP " + std::to_string(scrape.status) : scrape.error) + ")";
        return step;
      }
      step.window = request_window(before, parse_metrics(scrape.body), /*api_only=*/true);
      if (step.window.requests < static_cast<double>(options_.min_requests)) continue;
      const double ratio = step.window.errors / step.window.requests;
      if (ratio > options_.max_error_ratio) {
        step.breach = std::to_string(static_cast<long long>(step.window.errors)) + " of " +
                      std::to_string(static_cast<long long>(step.window.requests)) +
                      " requests answered 5xx (" + percent_text(ratio) + ", above " +
                      percent_text(options_.max_error_ratio) + ")";
        return step;
      }
      if (step.window.p99_seconds &&
          *step.window.p99_seconds * 1000 > static_cast<double>(options_.max_p99.count())) {
        step.breach = "p99 " + ms_text(step.window.p99_seconds) + " above " +
                      std::to_string(options_.max_p99.count()) + " ms";
        return step;
      }
    }
    return step;
  }

  // Traffic back to the running version, the new one stopped; exit 1 (128 + the signal
  // when interrupted) with the reason.
  int give_up(const std::string& reason, bool started) {
    report_.outcome = interrupted_by != 0     ? "interrupted"
                      : report_.steps.empty() ? "refused"
                                              : "rolled back";
    report_.reason = reason;
    const auto begun = Clock::now();
    if (started) {
      platform_.set_traffic(options_.service, next_.colour, 0);
      std::vector<InstanceSpec> without = read_instances(platform_.layout());
      std::erase(without, next_);
      platform_.apply(without);
      wait_stopped(platform_.layout(), next_.name, std::nullopt);
    }
    platform_.set_traffic(options_.service, next_.colour, std::nullopt);
    std::filesystem::remove(pending_file(platform_.layout(), options_.service));
    std::cerr << "sylctl: " << report_.outcome << ": " << options_.service << " " << reason << "; "
              << live_.colour << " keeps every request"
              << (started ? ", " + next_.colour + " stopped" : std::string()) << " ("
              << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - begun).count()
              << " ms)\n";
    return interrupted_by != 0 ? 128 + interrupted_by : kExitFailed;
  }

  LocalPlatform& platform_;
  const DeployOptions& options_;
  DeployReport report_;
  std::vector<InstanceSpec> instances_;
  InstanceSpec live_;
  std::string kept_live_binary_;  // what a rollback returns to
  InstanceSpec next_;
};

bool deployable(const std::string& service) {
  return std::any_of(kDeployable.begin(), kDeployable.end(),
                     [&](const Deployable& d) { return d.service == service; });
}

}  // namespace

int run_deploy(const DeployOptions& options) {
  if (!deployable(options.service)) {
    std::cerr << "sylctl: " << options.service
              << " is not deployed blue-green (subject-service, file-service and "
                 "syllabus-service are; the config-service and the gateway restart in place)\n";
    return kExitUsage;
  }
  auto platform = LocalPlatform::find();
  if (!platform) return kExitFailed;
  DeployLock lock(platform->layout());
  if (!lock.held()) {
    std::cerr << "sylctl: another deploy or rollback is under way\n";
    return kExitFailed;
  }
  InterruptGuard interrupts;
  // Progress as it happens, also into a pipe or a CI log.
  std::cout << std::unitbuf;
  return Deploy(*platform, options).run();
}

namespace {

// A deploy or rollback killed half-way (var/deploy/<service>.deploying.json left behind):
// traffic back to the version it started from, the other one stopped. When it had
// already retired that version, only its bookkeeping is completed.
bool finish_interrupted(LocalPlatform& platform, const std::string& service,
                        const Pending& pending) {
  const Layout& layout = platform.layout();
  std::vector<InstanceSpec> instances = read_instances(layout);
  const auto runs = [&](const std::string& colour) {
    return std::any_of(instances.begin(), instances.end(), [&](const InstanceSpec& instance) {
      return instance.service == service && instance.colour == colour;
    });
  };
  if (pending.from_colour.empty() || pending.to_colour.empty()) {
    std::cerr << "sylctl: " << pending_file(layout, service).string()
              << " is unreadable; remove it once " << service << " runs one version\n";
    return false;
  }
  if (!runs(pending.from_colour)) {
    if (!pending.kept_binary.empty())
      write_previous(layout, service, {pending.kept_binary, pending.from_colour, unix_now()});
    platform.set_traffic(service, pending.to_colour, std::nullopt);
    std::filesystem::remove(pending_file(layout, service));
    std::cout << "sylctl: the interrupted change of " << service << " had finished: it runs "
              << pending.to_colour << "; `sylctl rollback " << service << "` returns to "
              << pending.from_colour << "\n";
    return true;
  }
  std::cout << "sylctl: undoing the interrupted change of " << service << ": back to "
            << pending.from_colour << "\n";
  if (!platform.set_traffic(service, pending.from_colour, 100)) return false;
  const std::string stopped = instance_name(service, pending.to_colour);
  const auto stopped_pid = read_pid_file(layout.pid_file(stopped));
  std::erase_if(instances, [&](const InstanceSpec& instance) {
    return instance.service == service && instance.colour == pending.to_colour;
  });
  if (!platform.apply(instances)) return false;
  wait_stopped(layout, stopped, stopped_pid);
  platform.set_traffic(service, pending.from_colour, std::nullopt);
  std::filesystem::remove(pending_file(layout, service));
  std::cout << "sylctl: " << service << " runs " << pending.from_colour << " only\n";
  return true;
}

}  // namespace

int run_rollback(const RollbackOptions& options) {
  if (!deployable(options.service)) {
    std::cerr << "sylctl: " << options.service << " is not deployed blue-green\n";
    return kExitUsage;
  }
  auto platform = LocalPlatform::find();
  if (!platform) return kExitFailed;
  DeployLock lock(platform->layout());
  if (!lock.held()) {
    std::cerr << "sylctl: another deploy or rollback is under way\n";
    return kExitFailed;
  }
  const Layout& layout = platform->layout();
  if (const auto pending = read_pending(layout, options.service))
    return finish_interrupted(*platform, options.service, *pending) ? kExitOk : kExitFailed;
  const auto previous = read_previous(layout, options.service);
  if (!previous || !std::filesystem::is_regular_file(previous->binary)) {
    std::cerr << "sylctl: no earlier version of " << options.service << " to return to\n";
    return kExitFailed;
  }
  if (unix_now() - previous->retired_at > options.window.count()) {
    std::cerr << "sylctl: the earlier version of " << options.service << " was retired "
              << (unix_now() - previous->retired_at) / 60
              << " min ago, beyond the rollback window; deploy it instead\n";
    return kExitFailed;
  }
  std::vector<InstanceSpec> instances = read_instances(layout);
  std::vector<InstanceSpec> current;
  for (const auto& instance : instances)
    if (instance.service == options.service) current.push_back(instance);
  if (current.size() != 1) {
    std::cerr << "sylctl: " << options.service << " does not run exactly one version now\n";
    return kExitFailed;
  }
  const InstanceSpec now_running = current.front();
  const auto spec = find_service(options.service);
  const std::string colour = other_colour(now_running.colour);
  const InstanceSpec earlier{instance_name(options.service, colour), options.service,
                             previous->binary, instance_port(platform->ports(), *spec, colour),
                             colour};
  std::cout << "sylctl: rolling " << options.service << " back: " << now_running.colour << " -> "
            << colour << " (the version retired " << (unix_now() - previous->retired_at)
            << " s ago)\n";
  const auto started = Clock::now();
  const auto running_pid = read_pid_file(layout.pid_file(now_running.name));
  // Killed half-way, this rollback is undone by the next one like an interrupted deploy.
  write_pending(layout, options.service, {now_running.colour, colour, now_running.binary});
  if (!platform->set_traffic(options.service, colour, 0)) {
    std::filesystem::remove(pending_file(layout, options.service));
    return kExitFailed;
  }
  instances.push_back(earlier);
  platform->apply(instances);
  bool ready = wait_ready(earlier.port, kReadyTimeout);
  const auto registered_by = Clock::now() + 10s;
  while (ready && !platform->registered(options.service, colour, earlier.port)) {
    ready = Clock::now() < registered_by;
    std::this_thread::sleep_for(100ms);
  }
  if (!ready) {
    std::erase(instances, earlier);
    platform->apply(instances);
    platform->set_traffic(options.service, colour, std::nullopt);
    std::filesystem::remove(pending_file(layout, options.service));
    std::cerr << "sylctl: the earlier version was not ready; nothing changed\n";
    return kExitFailed;
  }
  // A version that ran before: all of the traffic at once.
  platform->set_traffic(options.service, colour, 100);
  std::erase(instances, now_running);
  platform->apply(instances);
  wait_stopped(layout, now_running.name, running_pid);
  platform->set_traffic(options.service, colour, std::nullopt);
  write_previous(layout, options.service, {now_running.binary, now_running.colour, unix_now()});
  std::filesystem::remove(pending_file(layout, options.service));
  std::cout << "sylctl: " << options.service << " runs " << colour << " again; "
            << now_running.colour << " stopped ("
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
            << " ms)\n";
  return kExitOk;
}

}  // namespace sylctl
