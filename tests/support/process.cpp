#include "tests/support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace portcullis::testsupport {
namespace {

using Clock = std::chrono::steady_clock;

// What the child reports through the close-on-exec pipe when it cannot exec.
struct ChildError {
  int stage;
  int err;
};
const char* const kStages[] = {"setpgid",    "unshare", "mount", "chdir",
                               "open stdio", "dup2",    "exec"};

std::vector<std::string> build_env(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  for (const auto& [k, v] : overrides) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

[[noreturn]] void child_fail(int fd, int stage) {
  ChildError e{stage, errno};
  ssize_t n = ::write(fd, &e, sizeof e);
  (void)n;
  ::_exit(127);
}

// Forks and execs; out_fd/err_fd >= 0 replace the stdout/stderr paths of `opts`.
pid_t spawn_impl(const std::vector<std::string>& argv, const SpawnOptions& opts, int out_fd,
                 int err_fd) {
  if (argv.empty()) throw std::runtime_error("spawn: empty argv");
  // Everything the child touches is prepared before fork: only syscalls after it.
  std::vector<std::string> env_strings = build_env(opts.env);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);
  const char* out_path = opts.stdout_path.empty() ? "/dev/null" : opts.stdout_path.c_str();
  const char* err_path = opts.stderr_path.empty() ? "/dev/null" : opts.stderr_path.c_str();

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    const int efd = pipefd[1];
    if (::setpgid(0, 0) != 0) child_fail(efd, 0);
    if (opts.die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
    }
    // Ignored signals and the blocked mask survive exec; peers need the defaults.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
    for (int s = 1; s < NSIG; ++s) ::signal(s, SIG_DFL);
    if (!opts.private_mounts.empty()) {
      if (::unshare(CLONE_NEWNS) != 0) child_fail(efd, 1);
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) child_fail(efd, 2);
      for (const auto& m : opts.private_mounts) {
        if (::mount(m.source.c_str(), m.target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
          child_fail(efd, 2);
        }
      }
    }
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) child_fail(efd, 3);
    int in = ::open("/dev/null", O_RDONLY);
    int out = out_fd >= 0 ? out_fd : ::open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int err = err_fd >= 0 ? err_fd : ::open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0 || err < 0) child_fail(efd, 4);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) child_fail(efd, 5);
    // Don't leak the test process's sockets (a proxy listener, say) into long-lived peers.
    if (efd > 3) ::close_range(3, efd - 1, 0);
    ::close_range(efd + 1, ~0U, 0);
    ::execvpe(argp[0], argp.data(), envp.data());
    child_fail(efd, 6);
  }
  ::setpgid(pid, pid);  // also from the parent, so kill(-pid) works at once
  ::close(pipefd[1]);
  ChildError e{};
  ssize_t n;
  do {
    n = ::read(pipefd[0], &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n == static_cast<ssize_t>(sizeof e)) {
    int status;
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("cannot start " + argv[0] + ": " + kStages[e.stage] + ": " +
                             std::strerror(e.err));
  }
  return pid;
}

std::string tail(const std::string& s, size_t max) {
  return s.size() <= max ? s : "..." + s.substr(s.size() - max);
}

void append_log(const std::string& path, const std::string& header, const std::string& body) {
  if (path.empty()) return;
  std::ofstream f(path, std::ios::app | std::ios::binary);
  f << header << body;
  if (!body.empty() && body.back() != '\n') f << '\n';
}

}  // namespace

Process Process::spawn(const std::vector<std::string>& argv, const SpawnOptions& opts) {
  return Process(spawn_impl(argv, opts, -1, -1));
}

Process Process::spawn_with_fds(const std::vector<std::string>& argv, const SpawnOptions& opts,
                                int out_fd, int err_fd) {
  return Process(spawn_impl(argv, opts, out_fd, err_fd));
}

Process::~Process() { terminate(); }

Process::Process(Process&& other) noexcept : pid_(other.pid_), exit_code_(other.exit_code_) {
  other.pid_ = -1;
  other.exit_code_.reset();
}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    terminate();
    pid_ = other.pid_;
    exit_code_ = other.exit_code_;
    other.pid_ = -1;
    other.exit_code_.reset();
  }
  return *this;
}

// Notes the exit without reaping: the zombie keeps the pid (and so the process group id)
// from being reused until terminate() has killed any stragglers.
bool Process::reap(bool block) {
  if (pid_ < 0) return true;
  if (exit_code_) return true;
  siginfo_t info{};
  int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, flags);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    exit_code_ = -1;  // not our child any more (reaped elsewhere)
    return true;
  }
  if (info.si_pid == 0) return false;
  exit_code_ = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  return true;
}

bool Process::running() { return pid_ >= 0 && !reap(false); }

std::optional<int> Process::wait_for_exit(Duration timeout) {
  if (pid_ < 0) return std::nullopt;
  wait_until([&] { return reap(false); }, timeout);
  return exit_code_;
}

void Process::kill(int sig) {
  if (pid_ >= 0) ::kill(-pid_, sig);
}

int Process::terminate(Duration grace) {
  if (pid_ < 0) return exit_code_.value_or(-1);
  if (!reap(false)) {
    ::kill(-pid_, SIGTERM);
    wait_until([&] { return reap(false); }, grace);
  }
  ::kill(-pid_, SIGKILL);  // the leader if still alive, and anything it left behind
  reap(true);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return exit_code_.value_or(-1);
}

std::string RunResult::describe() const {
  std::ostringstream ss;
  ss << "$ " << command << "\nexit code: " << exit_code << (timed_out ? " (timed out)" : "")
     << "\n--- stdout ---\n"
     << tail(out, 4000) << "\n--- stderr ---\n"
     << tail(err, 4000) << "\n";
  return ss.str();
}

RunResult run(const std::vector<std::string>& argv, const SpawnOptions& opts, Duration timeout) {
  RunResult r;
  r.command = shell_quote(argv);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return r;
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return r;
  }
  Process p;
  try {
    p = Process::spawn_with_fds(argv, opts, out_pipe[1], err_pipe[1]);
  } catch (const std::exception& e) {
    r.err = e.what();
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  const auto deadline = Clock::now() + timeout;
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = p.pid() >= 0 ? 2 : 0;
  char buf[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    int rc = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 100)));
    if (rc < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_fds;
      }
    }
    // A grandchild that inherited the pipes must not keep us waiting once the command is done.
    if (open_fds > 0 && rc == 0 && !p.running()) p.kill(SIGKILL);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  if (p.pid() >= 0) {
    auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
    if (!r.timed_out && p.wait_for_exit(std::max(left, Duration(0)))) {
      r.exit_code = p.terminate();
    } else {
      r.timed_out = true;
      p.kill(SIGKILL);
      p.terminate();
    }
  }
  if (opts.stdout_path == opts.stderr_path) {
    append_log(opts.stdout_path, "$ " + r.command + "\n", r.out + r.err);
  } else {
    append_log(opts.stdout_path, "$ " + r.command + "\n", r.out);
    append_log(opts.stderr_path, "$ " + r.command + "\n", r.err);
  }
  return r;
}

bool wait_until(const std::function<bool()>& pred, Duration timeout) {
  const auto deadline = Clock::now() + timeout;
  auto interval = std::chrono::microseconds(1000);
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::microseconds(20000));
  }
}

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s += ' ';
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_./:=@,+%") == std::string::npos;
    if (plain) {
      s += a;
    } else {
      s += '\'';
      for (char c : a) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
      s += '\'';
    }
  }
  return s;
}

}  // namespace portcullis::testsupport
