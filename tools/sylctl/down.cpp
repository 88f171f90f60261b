// `sylctl down`: SIGTERM to the supervisor, which stops the services in reverse order and
// then Redis; waits until every process it recorded is gone.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "commands.h"
#include "process.h"

namespace sylctl {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The supervisor gives each child 15 s before SIGKILL; this covers every one of them.
constexpr auto kStopTimeoutPerProcess = 16s;

}  // namespace

int run_down() {
  const Layout layout(std::filesystem::current_path());
  const auto supervisor = read_pid_file(layout.pid_file(kSupervisorName));
  if (!supervisor || !is_alive(*supervisor)) {
    std::cout << "sylctl: not running\n";
    return kExitOk;
  }
  // Read before the signal: the supervisor removes the files as it stops.
  std::vector<pid_t> pids = read_pid_files(layout.run_dir());
  if (::kill(*supervisor, SIGTERM) != 0) {
    std::perror("sylctl: kill");
    return kExitFailed;
  }
  const auto deadline = Clock::now() + kStopTimeoutPerProcess *
                                           static_cast<int>(std::max<std::size_t>(pids.size(), 1));
  for (;;) {
    std::erase_if(pids, [](pid_t pid) { return !is_alive(pid); });
    if (pids.empty()) break;
    if (Clock::now() >= deadline) {
      std::cerr << "sylctl: still running after the stop timeout:";
      for (const pid_t pid : pids) std::cerr << ' ' << pid;
      std::cerr << '\n';
      return kExitFailed;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::cout << "sylctl: stopped\n";
  return kExitOk;
}

}  // namespace sylctl
