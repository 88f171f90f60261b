#include "platform/testing/service_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

extern char** environ;

namespace platform::testing {
namespace {

std::vector<std::string> child_environment(const Environment& env) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text(*entry);
    if (!text.starts_with("SYL_")) out.push_back(text);
  }
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

pid_t spawn(const std::string& binary, const Environment& env, const std::vector<std::string>& args,
            int& read_fd) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> environment = child_environment(env);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> argument_strings{binary};
  argument_strings.insert(argument_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& argument : argument_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // A test binary that crashes must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  ::close(fds[1]);
  read_fd = fds[0];
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Polls waitpid until the child exits or the time is up; -1 on timeout.
int wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return decode_status(status);
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::uint16_t port_from_ready_line(const std::string& line) {
  const auto at = line.find("\"port\":");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoi(line.substr(at + 7)));
}

}  // namespace

ServiceProcess::ServiceProcess(const std::string& binary, const Environment& env,
                               const std::vector<std::string>& args,
                               std::chrono::milliseconds ready_timeout) {
  int fd = -1;
  pid_ = spawn(binary, env, args, fd);
  reader_ = std::thread([this, fd] { read_output(fd); });
  std::string ready_line;
  const bool ready = wait_for_line(
      [&](const std::string& line) {
        if (line.find("\"msg\":\"ready\"") == std::string::npos) return false;
        ready_line = line;
        return true;
      },
      ready_timeout);
  if (!ready) {
    std::string output;
    for (const auto& line : this->output()) output += line + "\n";
    send_signal(SIGKILL);
    wait(std::chrono::seconds(5));
    reader_.join();
    throw std::runtime_error(binary + " did not become ready; its output:\n" + output);
  }
  port_ = port_from_ready_line(ready_line);
}

ServiceProcess::ServiceProcess(Background, const std::string& binary, const Environment& env,
                               const std::vector<std::string>& args) {
  int fd = -1;
  pid_ = spawn(binary, env, args, fd);
  reader_ = std::thread([this, fd] { read_output(fd); });
}

ServiceProcess::~ServiceProcess() {
  if (exit_code_ < 0 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait_for_exit(pid_, std::chrono::seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

void ServiceProcess::send_signal(int signal) const {
  if (exit_code_ < 0) ::kill(pid_, signal);
}

int ServiceProcess::wait(std::chrono::milliseconds timeout) {
  if (exit_code_ >= 0) return exit_code_;
  exit_code_ = wait_for_exit(pid_, timeout);
  return exit_code_;
}

int ServiceProcess::terminate(std::chrono::milliseconds timeout) {
  send_signal(SIGTERM);
  return wait(timeout);
}

std::vector<std::string> ServiceProcess::output() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

bool ServiceProcess::wait_for_line(const std::function<bool(const std::string&)>& predicate,
                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  std::size_t checked = 0;
  return changed_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked)
      if (predicate(lines_[checked])) return true;
    return output_closed_;
  }) && checked < lines_.size();
}

void ServiceProcess::read_output(int fd) {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      {
        std::lock_guard lock(mutex_);
        lines_.push_back(pending.substr(0, newline));
      }
      pending.erase(0, newline + 1);
      changed_.notify_all();
    }
  }
  ::close(fd);
  std::lock_guard lock(mutex_);
  if (!pending.empty()) lines_.push_back(pending);
  output_closed_ = true;
  changed_.notify_all();
}

ProcessResult run_process(const std::string& binary, const Environment& env,
                          const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  int fd = -1;
  const pid_t pid = spawn(binary, env, args, fd);
  ProcessResult result;
  std::thread reader([&] {
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) result.output.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });
  result.exit_code = wait_for_exit(pid, timeout);
  if (result.exit_code < 0) {
    ::kill(pid, SIGKILL);
    wait_for_exit(pid, std::chrono::seconds(5));
  }
  reader.join();
  return result;
}

}  // namespace platform::testing
