// Usage: portcullis_scanner_bench LAYER_FILE [RUNS]
// Inspects a gzip/zstd/tar layer RUNS times (default 7) with ImageInspector,
// interleaved with the peer tools on the same file, and prints medians,
// ratios and this process's peak RSS.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "scanner-adapters/digesting_source.h"
#include "scanner-adapters/image_inspector.h"

namespace {

using namespace portcullis::scanner;
using Clock = std::chrono::steady_clock;

// Reads a file with plain read(2), as a network body would arrive.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(const char* path) : fd_(::open(path, O_RDONLY | O_CLOEXEC)) {}
  ~FileSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  Result<size_t> read(std::span<std::byte> out) override {
    ssize_t n;
    do n = ::read(fd_, out.data(), out.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return make_error(std::string("read: ") + std::strerror(errno));
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
};

std::string file_digest(const char* path) {
  FileSource src(path);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<std::byte> buf(1 << 20);
  for (;;) {
    auto n = src.read(buf);
    if (!n || *n == 0) break;
    EVP_DigestUpdate(ctx, buf.data(), *n);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return "sha256:" + hex_encode(md, len);
}

double run_inspector(const char* path, const LayerDescriptor& layer, bool print) {
  auto start = Clock::now();
  FileSource src(path);
  ImageInspector inspector;
  auto stats = inspector.add_layer(src, layer);
  auto facts = inspector.finish();
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!stats || !facts) {
    std::fprintf(stderr, "inspection failed: %s\n",
                 (!stats ? stats.error() : facts.error()).message.c_str());
    std::exit(1);
  }
  if (print) {
    std::printf(
        "layer: %llu bytes compressed, %llu bytes tar, %llu entries; facts: %zu files, %zu "
        "packages, os %s %s\n",
        static_cast<unsigned long long>(stats->compressed_bytes),
        static_cast<unsigned long long>(stats->uncompressed_bytes),
        static_cast<unsigned long long>(stats->entries), facts->files.size(),
        facts->packages.size(), facts->os_release["ID"].c_str(),
        facts->os_release["VERSION_ID"].c_str());
    for (const auto& f : facts->findings) {
      std::printf("finding: %s %s (%s)\n", f.detector.c_str(), f.path.c_str(), f.detail.c_str());
    }
  }
  return ms;
}

// Wall time of `argv` with stdout to /dev/null.
double run_peer(const std::vector<std::string>& argv) {
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "%s failed\n", argv[0].c_str());
    std::exit(1);
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s LAYER_FILE [RUNS]\n", argv[0]);
    return 2;
  }
  const char* path = argv[1];
  int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 7;
  unsigned char magic[4] = {};
  {
    int fd = ::open(path, O_RDONLY);
    if (fd < 0 || ::read(fd, magic, 4) != 4) {
      std::fprintf(stderr, "cannot read %s\n", path);
      return 2;
    }
    ::close(fd);
  }
  const bool gzip = magic[0] == 0x1f && magic[1] == 0x8b;
  const bool zstd = magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
  LayerDescriptor layer{"", file_digest(path), std::nullopt};  // media type: sniffed

  std::vector<std::pair<std::string, std::vector<std::string>>> peers = {
      {"bsdtar -tf", {"bsdtar", "-tf", path}}};
  if (gzip) {
    peers.push_back({"igzip -dc", {"igzip", "-dc", path}});
    peers.push_back({"gzip -dc", {"gzip", "-dc", path}});
  } else if (zstd) {
    peers.push_back({"zstd -dc", {"zstd", "-dc", path}});
  }

  run_inspector(path, layer, true);  // warm the page cache
  for (auto& [name, argv_] : peers) run_peer(argv_);
  std::vector<double> ours;
  std::vector<std::vector<double>> theirs(peers.size());
  for (int i = 0; i < runs; ++i) {
    ours.push_back(run_inspector(path, layer, false));
    for (size_t p = 0; p < peers.size(); ++p) theirs[p].push_back(run_peer(peers[p].second));
  }
  double mine = median(ours);
  std::printf("runs: %d (medians)\n", runs);
  std::printf("%-12s %8.1f ms\n", "portcullis", mine);
  for (size_t p = 0; p < peers.size(); ++p) {
    std::printf("%-12s %8.1f ms   portcullis/%s = %.2fx\n", peers[p].first.c_str(),
                median(theirs[p]), peers[p].first.substr(0, peers[p].first.find(' ')).c_str(),
                mine / median(theirs[p]));
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS (portcullis process): %.1f MB\n", ru.ru_maxrss / 1024.0);
  return 0;
}
