#include "platform/testing/postgres.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <soci/soci.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "platform/db/database.h"
#include "platform/testing/ports.h"
#include "random_name.h"

namespace platform::testing {
namespace {

using internal::random_hex;

// Runs one statement outside a transaction (CREATE and DROP DATABASE refuse one) on the
// server's maintenance database, through the platform's own URL parsing and pool.
void run_on_server(const std::string& server_url, const std::string& statement) {
  auto server = db::Database::open({.url = server_url, .pool_size = 1});
  if (!server) throw std::runtime_error(server.error().detail());
  auto done = (*server)->run_session([&](db::Session& session) -> core::Result<void> {
    session.sql() << statement;
    return core::ok();
  });
  if (!done) throw std::runtime_error(done.error().detail() + " " + done.error().log_detail());
}

// The newest installed server's programs (Debian keeps each major version apart).
std::filesystem::path postgres_bin_dir() {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
    if (std::filesystem::exists(entry.path() / "bin" / "postgres")) found.push_back(entry.path());
  }
  if (found.empty()) throw std::runtime_error("no PostgreSQL server installed");
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.filename().string()) < std::stoi(b.filename().string());
  });
  return found.back() / "bin";
}

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool answers_queries(const std::string& url) {
  auto opened = db::Database::open({.url = url, .pool_size = 1});
  if (!opened) return false;
  return static_cast<bool>((*opened)->run_session([](db::Session& session) -> core::Result<void> {
    int one = 0;
    session.sql() << "SELECT 1", soci::into(one);
    return core::ok();
  }));
}

}  // namespace

std::string postgres_server_url() {
  const char* url = std::getenv("SYLTEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    const std::string message =
        "SYLTEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts a "
        "throwaway PostgreSQL";
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
  }
  return url;
}

std::string with_database_name(const std::string& server_url, const std::string& database) {
  std::size_t scheme_end = server_url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t path = server_url.find_first_of("/?", authority);
  if (path == std::string::npos) return server_url + "/" + database;
  std::size_t path_end = server_url.find('?', path);
  if (path_end == std::string::npos) path_end = server_url.size();
  return server_url.substr(0, path) + "/" + database + server_url.substr(path_end);
}

TemporaryPostgresDatabase::TemporaryPostgresDatabase()
    : TemporaryPostgresDatabase("syltest_" + random_hex(16)) {}

TemporaryPostgresDatabase::TemporaryPostgresDatabase(std::string name)
    : server_url_(postgres_server_url()), name_(std::move(name)) {
  if (name_.empty() ||
      name_.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    throw std::invalid_argument("not a database name for a test: " + name_);
  }
  try {
    run_on_server(server_url_, "CREATE DATABASE " + name_);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot create the test database " + name_ + ": " + error.what());
  }
  url_ = with_database_name(server_url_, name_);
}

TemporaryPostgresDatabase::~TemporaryPostgresDatabase() {
  try {
    // FORCE ends sessions a test left open (a leaked pool, a terminated test).
    run_on_server(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& error) {
    std::cerr << "warning: cannot drop the test database " << name_ << ": " << error.what() << "\n";
  }
}

PostgresServer::PostgresServer(std::filesystem::path directory)
    : directory_(std::move(directory)), bin_dir_(postgres_bin_dir()) {
  std::filesystem::create_directories(directory_ / "data");
  if (::geteuid() == 0) {
    const passwd* postgres = ::getpwnam("postgres");
    if (postgres == nullptr) throw std::runtime_error("running as root and no postgres user");
    uid_ = static_cast<int>(postgres->pw_uid);
    gid_ = static_cast<int>(postgres->pw_gid);
    for (const auto& owned : {directory_, directory_ / "data"}) {
      if (::chown(owned.c_str(), static_cast<uid_t>(uid_), static_cast<gid_t>(gid_)) != 0)
        throw std::runtime_error("cannot give " + owned.string() + " to the postgres user");
    }
    // The postgres user must pass through the test's private directories to reach it.
    for (auto dir = directory_.parent_path(); dir != dir.root_path(); dir = dir.parent_path()) {
      struct stat info {};
      if (::stat(dir.c_str(), &info) == 0 && (info.st_mode & S_IXOTH) == 0)
        ::chmod(dir.c_str(), (info.st_mode & 07777) | S_IXOTH);
    }
  }
  const pid_t initdb = spawn({(bin_dir_ / "initdb").string(), "-D", (directory_ / "data").string(),
                              "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"},
                             directory_ / "initdb.log");
  if (wait_for_exit(initdb) != 0)
    throw std::runtime_error("initdb failed; see " + (directory_ / "initdb.log").string());
  port_ = free_port_below_ephemeral();
  start();
}

PostgresServer::~PostgresServer() {
  stop();
}

std::string PostgresServer::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

void PostgresServer::create_database(const std::string& name) const {
  run_on_server(url(), "CREATE DATABASE " + name);
}

pid_t PostgresServer::spawn(const std::vector<std::string>& argv,
                            const std::filesystem::path& log) const {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot write " + log.string());
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    if (uid_ >= 0 &&
        (::setgid(static_cast<gid_t>(gid_)) != 0 || ::setuid(static_cast<uid_t>(uid_)) != 0))
      _exit(126);
    // After setuid, which clears it: the server dies with the test binary, even a crashed
    // one.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(args[0], args.data());
    _exit(127);
  }
  ::close(log_fd);
  return pid;
}

void PostgresServer::start() {
  if (pid_ > 0) return;
  pid_ = spawn({(bin_dir_ / "postgres").string(), "-D", (directory_ / "data").string(), "-p",
                std::to_string(port_), "-c", "listen_addresses=127.0.0.1", "-c",
                "unix_socket_directories=", "-c", "fsync=off"},
               directory_ / "server.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!answers_queries(url())) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("postgres exited at start; see " +
                               (directory_ / "server.log").string());
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("postgres did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void PostgresServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown
  wait_for_exit(pid_);
  pid_ = -1;
}

}  // namespace platform::testing
