// Runs the built sylctl against the real service binaries in a temporary directory, on
// free ports (--port-base, --redis-port), the way an operator would.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands.h"
#include "http_get.h"
#include "platform/auth/jwt.h"
#include "platform/core/strings.h"
#include "platform/http/identity.h"
#include "platform/testing/ports.h"
#include "platform_token.h"
#include "process.h"

namespace sylctl {
namespace {

using Clock = std::chrono::steady_clock;
using platform::testing::port_is_free;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::string_view kSubjectBinaryPath = "services/subject-service/subject-service";

fs::path build_dir() {
  const std::string binary = SUBJECT_SERVICE_BINARY;
  return fs::path(binary.substr(0, binary.size() - kSubjectBinaryPath.size()));
}

bool redis_installed() {
  return std::system("command -v redis-server >/dev/null 2>&1") == 0;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "sylctl-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Forks sylctl in `cwd` with stdout and stderr to `output_fd`, without SYL_* variables
// but those of `env`.
pid_t start_sylctl(const fs::path& cwd, const std::vector<std::string>& args, int output_fd,
                   const std::vector<std::pair<std::string, std::string>>& env = {}) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  std::vector<std::string> names;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    const std::string entry = *variable;
    if (entry.rfind("SYL_", 0) == 0) names.push_back(entry.substr(0, entry.find('=')));
  }
  for (const std::string& name : names) ::unsetenv(name.c_str());
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);
  std::vector<char*> argv{const_cast<char*>(SYLCTL_BINARY)};
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(SYLCTL_BINARY, argv.data());
  ::_exit(127);
}

// Waits for `pid` to exit; its exit code, or nullopt on timeout.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
}

// Reads `fd` until it ends, `until` has come (when not empty) or `timeout` passed; what
// came.
std::string read_output(int fd, std::chrono::milliseconds timeout, std::string_view until = {}) {
  std::string seen;
  const auto deadline = Clock::now() + timeout;
  char buffer[4096];
  while (until.empty() || seen.find(until) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd descriptor{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t received = ::read(fd, buffer, sizeof buffer);
    if (received <= 0) break;
    seen.append(buffer, static_cast<std::size_t>(received));
  }
  return seen;
}

struct Outcome {
  int exit_code = -1;
  std::string output;
};

// Runs one sylctl command to completion (SIGKILL after the timeout).
Outcome run_sylctl(const fs::path& cwd, const std::vector<std::string>& args,
                   std::chrono::milliseconds timeout = 60s) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = start_sylctl(cwd, args, fds[1]);
  ::close(fds[1]);
  Outcome outcome;
  const auto deadline = Clock::now() + timeout;
  outcome.output = read_output(fds[0], timeout);
  ::close(fds[0]);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (auto code = wait_exit(pid, std::max(left, std::chrono::milliseconds(100)))) {
    outcome.exit_code = *code;
  } else {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    outcome.output += "\n[timed out]";
  }
  return outcome;
}

// A --port-base whose ports are free: the gateway's (20 below), the four services' and
// Redis's (10 above), below the ephemeral range (ports.h says why).
std::uint16_t free_port_base() {
  return platform::testing::free_port_below_ephemeral({-20, 1, 2, 3, 10});
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return condition();
}

class SylctlUp : public ::testing::Test {
 protected:
  void SetUp() override {
    // scripts/install-deps.sh installs it; a missing one is a broken machine, not a skip.
    ASSERT_TRUE(redis_installed()) << "redis-server is not installed";
    port_base_ = free_port_base();
    redis_port_ = static_cast<std::uint16_t>(port_base_ + 10);
    output_ = ::open((dir_.path() / "up.out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  }

  void TearDown() override {
    if (up_pid_ > 0 && !wait_exit(up_pid_, 0ms)) {
      ::kill(up_pid_, SIGTERM);
      if (!wait_exit(up_pid_, 40s)) {
        ::kill(up_pid_, SIGKILL);
        ::waitpid(up_pid_, nullptr, 0);
      }
    }
    if (output_ >= 0) ::close(output_);
  }

  std::vector<std::string> up_args(const fs::path& build) const {
    return {"up",           "--foreground",
            "--build-dir",  build.string(),
            "--port-base",  std::to_string(port_base_),
            "--redis-port", std::to_string(redis_port_)};
  }

  void start_up() { up_pid_ = start_sylctl(dir_.path(), up_args(build_dir()), output_); }

  std::string up_output() const { return read_file(dir_.path() / "up.out"); }
  fs::path run_dir() const { return dir_.path() / "var" / "run"; }
  std::uint16_t subject_port() const { return static_cast<std::uint16_t>(port_base_ + 1); }

  bool status_ok() const { return run_sylctl(dir_.path(), {"status"}).exit_code == 0; }
  // Whether the config-service lists a subject-service instance (it registered there).
  bool subject_service_registered() const {
    const auto answer =
        http_get("127.0.0.1", port_base_, "/registry/services/subject-service/instances");
    return answer.status == 200 && answer.body.find("\"instance_id\"") != std::string::npos;
  }

  TempDir dir_;
  std::uint16_t port_base_ = 0;
  std::uint16_t redis_port_ = 0;
  int output_ = -1;
  pid_t up_pid_ = -1;
};

TEST_F(SylctlUp, StartsRestartsACrashedServiceAndDownLeavesNoProcessBehind) {
  start_up();
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 60s)) << up_output();

  const Outcome status = run_sylctl(dir_.path(), {"status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("subject-service"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("ready"), std::string::npos) << status.output;
#ifdef CONFIG_SERVICE_BINARY
  EXPECT_NE(status.output.find("config-service"), std::string::npos) << status.output;
  // sylctl points the subject-service at the config-service, where it registers.
  EXPECT_TRUE(eventually([&] { return subject_service_registered(); }, 10s));
#endif
  // `top` finds every instance through the registry and reads its metrics.
  const Outcome top = run_sylctl(dir_.path(), {"top", "--once"});
  EXPECT_EQ(top.exit_code, 0) << top.output;
  EXPECT_NE(top.output.find("REQ/S"), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("subject-service"), std::string::npos) << top.output;
  EXPECT_EQ(top.output.find("unreachable"), std::string::npos) << top.output;
  EXPECT_EQ(top.output.find("\x1b"), std::string::npos);  // no terminal: plain text

  // Redis was started by sylctl (nothing listened on its port).
  const auto redis_pid = read_pid_file(run_dir() / "redis.pid");
  ASSERT_TRUE(redis_pid.has_value()) << up_output();
  EXPECT_TRUE(port_answers("127.0.0.1", redis_port_));

  // A crashed service is started again, on the same port, and becomes ready.
  const auto first = read_pid_file(run_dir() / "subject-service.pid");
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(::kill(*first, SIGKILL), 0);
  ASSERT_TRUE(eventually(
      [&] {
        const auto now = read_pid_file(run_dir() / "subject-service.pid");
        return now && *now != *first && is_alive(*now);
      },
      20s))
      << read_file(dir_.path() / "var/log/sylctl.log");
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 30s));
  EXPECT_NE(read_file(dir_.path() / "var/log/sylctl.log").find("exited unexpectedly"),
            std::string::npos);

  // Every process sylctl recorded, including the supervisor itself.
  const std::vector<pid_t> pids = read_pid_files(run_dir());
  EXPECT_GE(pids.size(), 3u);  // sylctl, redis, subject-service

  const Outcome down = run_sylctl(dir_.path(), {"down"}, 90s);
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(wait_exit(up_pid_, 10s), std::optional<int>(0)) << up_output();
  up_pid_ = -1;
  for (const pid_t pid : pids) EXPECT_FALSE(is_alive(pid)) << "pid " << pid << " still runs";
  EXPECT_FALSE(is_alive(*redis_pid));
  EXPECT_FALSE(port_answers("127.0.0.1", redis_port_));
  EXPECT_FALSE(port_answers("127.0.0.1", subject_port()));
  EXPECT_TRUE(read_pid_files(run_dir()).empty());

  const Outcome again = run_sylctl(dir_.path(), {"down"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("not running"), std::string::npos) << again.output;
  EXPECT_EQ(run_sylctl(dir_.path(), {"status"}).exit_code, 3);
}

TEST_F(SylctlUp, MakesOnePlatformTokenKeepsItPrivateAndReusesItOnTheNextUp) {
  start_up();
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 60s)) << up_output();
  const fs::path token_file = dir_.path() / "var" / "platform-token";
  const std::string token = read_file(token_file);
  EXPECT_GE(token.size(), 43u) << token;
  EXPECT_EQ(fs::status(token_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(up_output().find(token.substr(0, 43)), std::string::npos) << "the token is never shown";

#ifdef CONFIG_SERVICE_BINARY
  // The services got it: the subject-service registered and published its schema, and
  // sylctl's own writes carry it.
  ASSERT_TRUE(eventually(
      [&] {
        return run_sylctl(dir_.path(), {"config", "show", "subject-service"}).exit_code == 0;
      },
      10s));
  const Outcome set = run_sylctl(
      dir_.path(), {"config", "set", "subject-service", "log.level=debug", "--author", "ops"});
  EXPECT_EQ(set.exit_code, 0) << set.output;
  EXPECT_NE(set.output.find("is at version"), std::string::npos) << set.output;
  const Outcome show = run_sylctl(dir_.path(), {"config", "show", "subject-service"});
  EXPECT_EQ(show.exit_code, 0) << show.output;
  EXPECT_NE(show.output.find("log.level = debug"), std::string::npos) << show.output;
  const Outcome refused =
      run_sylctl(dir_.path(), {"config", "set", "subject-service", "log.level=loud"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTP 422"), std::string::npos) << refused.output;
#endif

  ASSERT_EQ(::kill(up_pid_, SIGTERM), 0);
  ASSERT_EQ(wait_exit(up_pid_, 60s), std::optional<int>(0)) << up_output();
  start_up();
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 60s)) << up_output();
  EXPECT_EQ(read_file(token_file), token);
#ifdef CONFIG_SERVICE_BINARY
  EXPECT_TRUE(eventually([&] { return subject_service_registered(); }, 10s));
#endif
}

// With --monitoring, Prometheus finds the services through the registry and Alertmanager
// hears when one stops answering, then that it is back. Intervals shortened (1 s, and
// every alert's `for:` in proportion) so that it takes seconds.
TEST_F(SylctlUp, MonitoringAlertsWhenAServiceStopsAndResolvesWhenItReturns) {
  fs::create_directory_symlink(fs::path(SOURCE_DIR) / "deploy", dir_.path() / "deploy");
  port_base_ = platform::testing::free_port_below_ephemeral({-20, 1, 2, 3, 10, 990, 993});
  redis_port_ = static_cast<std::uint16_t>(port_base_ + 10);
  const auto prometheus = static_cast<std::uint16_t>(port_base_ + 990);
  const auto alertmanager = static_cast<std::uint16_t>(port_base_ + 993);
  auto args = up_args(build_dir());
  for (const char* extra : {"--monitoring", "--monitoring-interval", "1s"})
    args.emplace_back(extra);
  // The gateway's limits through Redis, so that the rate limiter's backend metric (and
  // the alert and panel on it) exists to be checked below.
  up_pid_ = start_sylctl(dir_.path(), args, output_, {{"SYL_RATELIMIT_BACKEND", "redis"}});
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 90s)) << up_output();
  EXPECT_NE(up_output().find("prometheus"), std::string::npos) << up_output();

  // Found through the registry and scraped: up{service="subject-service"} is 1.
  const std::string up_query = "/api/v1/query?query=up%7Bservice%3D%22subject-service%22%7D";
  ASSERT_TRUE(eventually(
      [&] {
        const auto answer = http_get("127.0.0.1", prometheus, up_query);
        return answer.status == 200 && answer.body.find("\"1\"]") != std::string::npos;
      },
      30s))
      << http_get("127.0.0.1", prometheus, up_query).body;

  const auto subject_alerts = [&] {
    const auto answer =
        http_get("127.0.0.1", alertmanager,
                 "/api/v2/alerts?active=true&filter=service%3D%22subject-service%22");
    std::string names;
    for (const char* name : {"InstanceDown", "ServiceUnavailable"}) {
      if (answer.body.find(std::string("\"alertname\":\"") + name + "\"") != std::string::npos)
        names += std::string(names.empty() ? "" : ",") + name;
    }
    return names;
  };
  // Quiet once it is scraped (before discovery found it, absent() may have fired).
  ASSERT_TRUE(eventually([&] { return subject_alerts().empty(); }, 30s)) << subject_alerts();

  // Stopped: it keeps its port and pid but answers nothing, and its lease lapses.
  const auto pid = read_pid_file(run_dir() / "subject-service.pid");
  ASSERT_TRUE(pid.has_value());
  ASSERT_EQ(::kill(*pid, SIGSTOP), 0);
  const bool fired = eventually([&] { return !subject_alerts().empty(); }, 60s);
  ::kill(*pid, SIGCONT);
  ASSERT_TRUE(fired) << read_file(dir_.path() / "var/log/prometheus.log");

  // Back: registered again, scraped, and the alerts resolve.
  EXPECT_TRUE(eventually([&] { return subject_alerts().empty(); }, 60s)) << subject_alerts();

  // Every rule and dashboard expression parses and finds series for each metric it names,
  // once the platform has had a little traffic through the gateway (series are born with
  // their first event).
  std::string token = run_sylctl(dir_.path(), {"token", "--sub", "e2e", "--roles", "admin"}).output;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  const std::string gateway = "http://127.0.0.1:" + std::to_string(port_base_ - 20) + "/api/v1";
  const std::string curl = "curl -s -o /dev/null -H 'Authorization: Bearer " + token + "' ";
  const std::string traffic =
      curl +
      "-H 'Content-Type: application/json' -d "
      "'{\"code\":\"MON-1\",\"name\":\"M\",\"credits\":3}' " +
      gateway + "/subjects && " + curl + gateway + "/subjects && " + curl + gateway +
      "/syllabi && " + curl + gateway + "/files && " + curl + gateway +
      "/subjects/00000000-0000-0000-0000-000000000000 && curl -s -o /dev/null " + gateway +
      "/subjects";
  ASSERT_EQ(std::system(traffic.c_str()), 0) << traffic;
  std::this_thread::sleep_for(6s);  // scraped, and the recording rules evaluated
  const std::string check =
      std::string(SOURCE_DIR) +
      "/scripts/check-expressions.py --prometheus http://127.0.0.1:" + std::to_string(prometheus) +
      " > " + (dir_.path() / "expressions.out").string() + " 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << read_file(dir_.path() / "expressions.out");
  EXPECT_NE(read_file(dir_.path() / "expressions.out").find("all passed"), std::string::npos)
      << read_file(dir_.path() / "expressions.out");

  const Outcome down = run_sylctl(dir_.path(), {"down"}, 90s);
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_EQ(wait_exit(up_pid_, 10s), std::optional<int>(0)) << up_output();
  up_pid_ = -1;
  EXPECT_FALSE(port_answers("127.0.0.1", prometheus));
  EXPECT_FALSE(port_answers("127.0.0.1", alertmanager));
}

TEST_F(SylctlUp, SigtermToTheForegroundProcessStopsEverything) {
  start_up();
  ASSERT_TRUE(eventually([&] { return status_ok(); }, 60s)) << up_output();
  const std::vector<pid_t> pids = read_pid_files(run_dir());
  ASSERT_GE(pids.size(), 3u);

  ASSERT_EQ(::kill(up_pid_, SIGTERM), 0);
  EXPECT_EQ(wait_exit(up_pid_, 60s), std::optional<int>(0)) << up_output();
  up_pid_ = -1;
  for (const pid_t pid : pids) EXPECT_FALSE(is_alive(pid)) << "pid " << pid << " still runs";
  EXPECT_FALSE(port_answers("127.0.0.1", redis_port_));
}

TEST_F(SylctlUp, NamesTheServiceThatFailsToStartAndStopsWhatItStarted) {
  // Something else holds the subject-service's port, so it exits at start-up.
  const int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(subject_port());
  ASSERT_EQ(::bind(blocker, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(blocker, 1), 0);

  const Outcome up = run_sylctl(dir_.path(), up_args(build_dir()), 60s);
  ::close(blocker);
  EXPECT_EQ(up.exit_code, 1) << up.output;
  EXPECT_NE(up.output.find("subject-service"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("last lines of"), std::string::npos) << up.output;
  EXPECT_FALSE(port_answers("127.0.0.1", redis_port_));
  EXPECT_TRUE(read_pid_files(run_dir()).empty());
}

TEST_F(SylctlUp, RefusesABuildDirectoryWithoutServices) {
  const Outcome up = run_sylctl(dir_.path(), {"up", "--build-dir", dir_.path().string()});
  EXPECT_EQ(up.exit_code, 1);
  EXPECT_NE(up.output.find("no service binaries"), std::string::npos) << up.output;
}

TEST(PlatformToken, IsMadeOnceWithMode0600AndReadBackAfterwards) {
  TempDir dir;
  const Layout layout(dir.path());
  ::unsetenv("SYL_PLATFORM_TOKEN");
  EXPECT_FALSE(existing_platform_token(layout));
  const std::string token = platform_token(layout);
  EXPECT_EQ(token.size(), 43u);  // 32 random bytes in base64url
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  EXPECT_EQ(fs::status(layout.platform_token_file()).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(platform_token(layout), token);
  EXPECT_EQ(existing_platform_token(layout), token);
  EXPECT_NE(platform_token(Layout(dir.path() / "other")), token);  // one per platform
}

TEST(PlatformToken, TakesTheEnvironmentsTokenAndRefusesAShortOne) {
  TempDir dir;
  const Layout layout(dir.path());
  ::setenv("SYL_PLATFORM_TOKEN", "an-operators-own-token-0123456789abcdef", 1);
  EXPECT_EQ(platform_token(layout), "an-operators-own-token-0123456789abcdef");
  EXPECT_FALSE(fs::exists(layout.platform_token_file()));
  ::setenv("SYL_PLATFORM_TOKEN", "short", 1);
  EXPECT_THROW(platform_token(layout), std::runtime_error);
  ::unsetenv("SYL_PLATFORM_TOKEN");
  fs::create_directories(layout.var_dir());
  std::ofstream(layout.platform_token_file()) << "tampered\n";
  EXPECT_THROW(platform_token(layout), std::runtime_error);
}

TEST(PlatformSecrets, TheTokenKeyAndIdentityKeysAreMadeOnceAndTheIdentityKeysParse) {
  TempDir dir;
  const Layout layout(dir.path());
  ::unsetenv("SYL_AUTH_JWT_SECRET");
  ::unsetenv("SYL_GATEWAY_IDENTITY_KEYS");
  EXPECT_FALSE(existing_jwt_secret(layout));
  const std::string secret = jwt_secret(layout);
  EXPECT_GE(secret.size(), 32u);
  EXPECT_EQ(jwt_secret(layout), secret);
  const std::string keys = identity_keys(layout);
  EXPECT_TRUE(platform::http::IdentityKeys::parse(keys)) << keys;
  EXPECT_EQ(identity_keys(layout), keys);
  EXPECT_EQ(fs::status(layout.var_dir() / "identity-keys").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(SylctlToken, MintsATokenTheGatewayAcceptsForTheGivenCallerAndRoles) {
  TempDir dir;
  fs::create_directories(dir.path() / "var");
  const std::string secret = "a-platform-token-key-0123456789-abcdefgh";
  std::ofstream(dir.path() / "var/jwt-secret") << secret << "\n";
  const Outcome minted = run_sylctl(
      dir.path(), {"token", "--sub", "alice", "--roles", "editor,viewer", "--ttl", "15m"});
  ASSERT_EQ(minted.exit_code, 0) << minted.output;
  const std::string token(platform::core::trim(minted.output));
  auto keys = platform::auth::KeySet::from_secret(secret);
  ASSERT_TRUE(keys);
  const platform::auth::Verifier verifier({}, std::make_shared<platform::auth::KeySet>(*keys));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto claims = verifier.verify(token, now);
  ASSERT_TRUE(claims) << claims.error().detail;
  EXPECT_EQ(claims->subject, "alice");
  EXPECT_EQ(claims->roles, (std::vector<std::string>{"editor", "viewer"}));
  EXPECT_NEAR(static_cast<double>(*claims->expires_at - now), 900, 5);
  // Expired after its 15 minutes (and the verifier's 30 s of leeway).
  EXPECT_FALSE(verifier.verify(token, now + 960));

  EXPECT_EQ(run_sylctl(dir.path(), {"token", "--sub", "bob", "--roles", "root"}).exit_code, 2);
  EXPECT_EQ(run_sylctl(dir.path(), {"token", "--roles", "viewer"}).exit_code, 2);
  EXPECT_EQ(run_sylctl(dir.path(), {"token", "--sub", "bob", "--ttl", "soon"}).exit_code, 2);
  TempDir empty;
  EXPECT_EQ(run_sylctl(empty.path(), {"token", "--sub", "bob"}).exit_code, 1);  // no key yet
}

TEST(SylctlToken, ReadsDurations) {
  EXPECT_EQ(parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(parse_duration("7d"), std::chrono::hours(168));
  for (const char* bad : {"", "h", "0", "-1m", "1.5h", "1y", "400d"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(SylctlDown, SaysNotRunningWhenNothingRuns) {
  TempDir dir;
  const Outcome down = run_sylctl(dir.path(), {"down"});
  EXPECT_EQ(down.exit_code, 0);
  EXPECT_NE(down.output.find("not running"), std::string::npos);
}

TEST(SylctlLogs, MergesTheLogFilesAndFiltersByRequestId) {
  TempDir dir;
  fs::create_directories(dir.path() / "var/log");
  std::ofstream(dir.path() / "var/log/subject-service.log")
      << R"({"ts":"2026-03-01T10:00:01.000000Z","service":"subject-service","msg":"a","request_id":"r-1"})"
      << "\n"
      << R"({"ts":"2026-03-01T10:00:03.000000Z","service":"subject-service","msg":"c","request_id":"r-2"})"
      << "\n";
  std::ofstream(dir.path() / "var/log/config-service.log")
      << R"({"ts":"2026-03-01T10:00:02.000000Z","service":"config-service","msg":"b","request_id":"r-1"})"
      << "\n";

  const Outcome all = run_sylctl(dir.path(), {"logs"});
  EXPECT_EQ(all.exit_code, 0) << all.output;
  const auto a = all.output.find("\"msg\":\"a\"");
  const auto b = all.output.find("\"msg\":\"b\"");
  const auto c = all.output.find("\"msg\":\"c\"");
  ASSERT_NE(c, std::string::npos) << all.output;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);

  const Outcome one = run_sylctl(dir.path(), {"logs", "--request-id", "r-1"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.output.find("config-service"), std::string::npos) << one.output;
  EXPECT_EQ(one.output.find("\"msg\":\"c\""), std::string::npos) << one.output;
}

// An RFC 3339 time `ago` before now, as the services write it.
std::string timestamp(std::chrono::seconds ago) {
  const std::time_t when =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - ago);
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S.000000Z", &utc);
  return text;
}

TEST(SylctlLogs, FiltersByLevelAgeAndTextAndFollowsAServiceThatStartsLater) {
  TempDir dir;
  fs::create_directories(dir.path() / "var/log");
  const auto line = [](std::chrono::seconds ago, const char* level, const char* msg) {
    return R"({"ts":")" + timestamp(ago) + R"(","level":")" + level +
           R"(","service":"subject-service","msg":")" + msg + "\"}\n";
  };
  std::ofstream(dir.path() / "var/log/subject-service.log")
      << line(2h, "warn", "disk nearly full") << line(60s, "info", "started")
      << line(50s, "warn", "slow query on subjects") << line(40s, "error", "cannot reach redis");

  const Outcome recent_warnings =
      run_sylctl(dir.path(), {"logs", "--level", "warn", "--since", "1h"});
  EXPECT_EQ(recent_warnings.exit_code, 0) << recent_warnings.output;
  EXPECT_NE(recent_warnings.output.find("slow query on subjects"), std::string::npos)
      << recent_warnings.output;
  EXPECT_NE(recent_warnings.output.find("cannot reach redis"), std::string::npos);
  EXPECT_EQ(recent_warnings.output.find("disk nearly full"), std::string::npos);  // too old
  EXPECT_EQ(recent_warnings.output.find("started"), std::string::npos);           // info

  const Outcome grepped =
      run_sylctl(dir.path(), {"logs", "--level", "warn", "--since", "1h", "--grep", "redis"});
  EXPECT_EQ(grepped.exit_code, 0) << grepped.output;
  EXPECT_NE(grepped.output.find("cannot reach redis"), std::string::npos) << grepped.output;
  EXPECT_EQ(grepped.output.find("slow query"), std::string::npos) << grepped.output;

  for (const auto& bad : std::vector<std::vector<std::string>>{{"logs", "--level", "loud"},
                                                               {"logs", "--since", "yesterday"}}) {
    EXPECT_NE(run_sylctl(dir.path(), bad).exit_code, 0) << bad[1];
  }

  // Following: a service whose log appears after the command started is followed too.
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t follower = start_sylctl(dir.path(), {"logs", "--follow", "--grep", "hello"}, fds[1]);
  ::close(fds[1]);
  std::this_thread::sleep_for(500ms);  // it has listed var/log once
  std::ofstream(dir.path() / "var/log/file-service.log")
      << R"({"ts":")" + timestamp(0s) +
             R"(","level":"info","service":"file-service","msg":"hello"})"
      << "\n";
  const std::string followed = read_output(fds[0], 10s, "hello");
  ::kill(follower, SIGTERM);
  wait_exit(follower, 5s);
  ::close(fds[0]);
  EXPECT_NE(followed.find("file-service"), std::string::npos) << followed;
  EXPECT_EQ(followed.find("slow query"), std::string::npos) << followed;
}

// On a terminal `top` redraws until q or Ctrl-C, then gives the terminal back.
TEST(SylctlTop, QuitsOnQAndOnCtrlCAndRestoresTheTerminal) {
  TempDir dir;
  const std::uint16_t base = platform::testing::free_port_below_ephemeral({-20, 0, 1, 2, 3});
  for (const std::string key : {"q", "\x03"}) {
    int terminal = -1;
    const pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (::chdir(dir.path().c_str()) != 0) ::_exit(126);
      const std::string port_base = std::to_string(base);
      ::execl(SYLCTL_BINARY, SYLCTL_BINARY, "top", "--port-base", port_base.c_str(), nullptr);
      ::_exit(127);
    }
    const std::string drawn = read_output(terminal, 15s, "q or Ctrl-C quits");
    ASSERT_NE(drawn.find("q or Ctrl-C quits"), std::string::npos) << drawn;
    termios raw{};
    ASSERT_EQ(::tcgetattr(terminal, &raw), 0);
    EXPECT_EQ(raw.c_lflag & ECHO, 0u);  // keys are read one by one, unechoed

    ASSERT_EQ(::write(terminal, key.data(), key.size()), 1);
    EXPECT_EQ(wait_exit(pid, 5s), std::optional<int>(0)) << (key == "q" ? "q" : "Ctrl-C");
    termios after{};
    if (::tcgetattr(terminal, &after) == 0) {
      EXPECT_NE(after.c_lflag & ECHO, 0u);
      EXPECT_NE(after.c_lflag & ICANON, 0u);
    }
    ::close(terminal);
  }
}

}  // namespace
}  // namespace sylctl
