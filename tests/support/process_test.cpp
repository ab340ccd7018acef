#include "tests/support/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include <filesystem>

#include "tests/support/fs.h"
#include "tests/support/net.h"

namespace portcullis::testsupport {
namespace {

TEST(TempDir, CreatesAndRemovesRecursively) {
  std::string path;
  {
    TempDir dir("support-test");
    path = dir.path();
    ASSERT_TRUE(std::filesystem::is_directory(path));
    write_file(dir.mkdir("a/b") + "/f", "hello");
    EXPECT_EQ(read_file(dir / "a/b/f"), "hello");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Run, CapturesOutputAndExitCode) {
  RunResult r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.ok());
}

TEST(Run, AppliesEnvAndCwd) {
  TempDir dir;
  RunResult r = run({"sh", "-c", "echo $FOO; pwd"}, {.env = {{"FOO", "bar"}}, .cwd = dir.path()});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "bar\n" + dir.path() + "\n");
}

TEST(Run, TimesOutAndKillsTheGroup) {
  auto start = std::chrono::steady_clock::now();
  RunResult r = run({"sh", "-c", "sleep 30 & sleep 30"}, {}, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(Run, ReportsMissingProgram) {
  RunResult r = run({"/nonexistent/program"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
}

TEST(Run, WritesLogFiles) {
  TempDir dir;
  RunResult r =
      run({"echo", "hi"}, {.stdout_path = dir / "out.log", .stderr_path = dir / "err.log"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(read_file(dir / "out.log"), "$ echo hi\nhi\n");
}

TEST(Run, PrivateBindMountIsInvisibleOutside) {
  TempDir a, b;
  write_file(a / "marker", "from-a");
  RunResult r = run({"cat", b / "marker"}, {.private_mounts = {{a.path(), b.path()}}});
  ASSERT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.out, "from-a");
  EXPECT_FALSE(std::filesystem::exists(b / "marker"));
}

TEST(Process, TerminateStopsTheWholeGroup) {
  TempDir dir;
  Process p =
      Process::spawn({"sh", "-c", "sleep 60 & echo $! > " + (dir / "child.pid") + "; wait"});
  ASSERT_TRUE(wait_until(
      [&] {
        std::error_code ec;
        auto size = std::filesystem::file_size(dir / "child.pid", ec);
        return !ec && size > 0;
      },
      5s));
  pid_t child = std::stoi(read_file(dir / "child.pid"));
  EXPECT_TRUE(p.running());
  int code = p.terminate(2s);
  EXPECT_EQ(code, 128 + SIGTERM);
  EXPECT_FALSE(p.running());
  // Dead means gone or a zombie (orphans wait for PID 1 to reap them, which can take a while).
  EXPECT_TRUE(wait_until(
      [&] {
        std::string stat;
        try {
          stat = read_file("/proc/" + std::to_string(child) + "/stat");
        } catch (const std::exception&) {
          return true;
        }
        return stat.empty() || stat.find(") Z ") != std::string::npos;
      },
      5s));
}

TEST(Process, WaitForExitReturnsCode) {
  Process p = Process::spawn({"sh", "-c", "exit 7"});
  EXPECT_EQ(p.wait_for_exit(5s), 7);
  EXPECT_FALSE(p.running());
}

TEST(Process, SpawnThrowsForMissingProgram) {
  EXPECT_THROW(Process::spawn({"/nonexistent/program"}), std::runtime_error);
}

TEST(Net, FreePortAndHttpProbe) {
  uint16_t port = free_port();
  EXPECT_GT(port, 0);
  EXPECT_EQ(http_get_status("127.0.0.1", port, "/", 500ms), -1);
  EXPECT_FALSE(wait_for_tcp(port, 50ms));
}

}  // namespace
}  // namespace portcullis::testsupport
