// Child processes for real peers (registries, containerd) and short client commands
// (skopeo, podman, ctr, openssl). Every child runs in its own process group, so stopping
// it also stops whatever it forked.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace portcullis::testsupport {

using Duration = std::chrono::milliseconds;
using namespace std::chrono_literals;

// Bind-mounts `source` over `target` inside a private mount namespace of the child only.
// Used to give containers/image clients a private /var/lib/containers/cache as root.
struct BindMount {
  std::string source;
  std::string target;
};

struct SpawnOptions {
  std::map<std::string, std::string> env{};  // added to / replacing the parent's environment
  std::string cwd{};                         // empty: inherit
  std::string stdout_path{};                 // empty: /dev/null (Process) or captured (run)
  std::string stderr_path{};
  std::vector<BindMount> private_mounts{};
  // PR_SET_PDEATHSIG: the child is SIGKILLed if the spawning *thread* exits, so a crashed test
  // leaks no peers. Turn off when spawning from a short-lived thread.
  bool die_with_parent = true;
};

struct RunResult {
  int exit_code = -1;  // -1: not started or timed out; 128 + signal if killed
  bool timed_out = false;
  std::string out;
  std::string err;
  std::string command;

  bool ok() const { return exit_code == 0 && !timed_out; }
  // One block for assertion messages: command, exit code, and the tails of stdout/stderr.
  std::string describe() const;
};

class Process {
 public:
  // Throws std::runtime_error if the program cannot be started (exec errors included).
  static Process spawn(const std::vector<std::string>& argv, const SpawnOptions& opts = {});

  Process() = default;
  ~Process();  // terminate()
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Exit code (128 + signal number when killed by a signal), once the process has exited.
  std::optional<int> exit_code() const { return exit_code_; }
  std::optional<int> wait_for_exit(Duration timeout);
  // SIGTERM to the group, SIGKILL after `grace`; returns the exit code (-1 if never started).
  int terminate(Duration grace = 5000ms);
  // Sends `sig` to the whole process group.
  void kill(int sig);

 private:
  friend RunResult run(const std::vector<std::string>&, const SpawnOptions&, Duration);
  static Process spawn_with_fds(const std::vector<std::string>& argv, const SpawnOptions& opts,
                                int out_fd, int err_fd);
  explicit Process(pid_t pid) : pid_(pid) {}
  bool reap(bool block);

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a short command to completion, capturing stdout and stderr. If opts.stdout_path /
// stderr_path are set, the captured output is also appended there (with the command line).
// Never throws for a failing command; exit_code == -1 if it could not start.
RunResult run(const std::vector<std::string>& argv, const SpawnOptions& opts = {},
              Duration timeout = 120000ms);

// Polls `pred` (1 ms growing to 20 ms between calls) until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& pred, Duration timeout);

std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace portcullis::testsupport
