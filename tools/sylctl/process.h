// Child processes of the launcher: spawning with a log file, pid files, liveness.
//
//   const pid_t pid = spawn({.argv = {binary}, .env = {{"SYL_HTTP_PORT", "8101"}},
//                            .log_file = layout.log_file("subject-service")});
//   write_pid_file(layout.pid_file("subject-service"), pid);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sylctl {

struct SpawnSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // added to the caller's
  std::filesystem::path log_file;                        // stdout and stderr, appended
};

// Starts the child in its own process group (a Ctrl-C reaches the launcher only, which
// stops the children in order) with every signal unblocked; it gets SIGTERM when the
// launcher dies. Throws std::runtime_error when fork fails.
pid_t spawn(const SpawnSpec& spec);

// True when `pid` runs (a zombie counts as gone: its parent just has not reaped it).
bool is_alive(pid_t pid);

std::optional<pid_t> read_pid_file(const std::filesystem::path& path);
void write_pid_file(const std::filesystem::path& path, pid_t pid);
// Every pid named by a *.pid file in `dir`.
std::vector<pid_t> read_pid_files(const std::filesystem::path& dir);

// The last `count` lines of a text file (empty when it does not exist).
std::string tail_lines(const std::filesystem::path& path, std::size_t count);

// Describes a waitpid status: "exit code 1", "signal 9".
std::string describe_exit(int status);

}  // namespace sylctl
