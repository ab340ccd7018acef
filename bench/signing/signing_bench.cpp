// Verifications per second for each key type, next to `openssl speed` run on
// the same machine in the same process lifetime, with the ratio.
//
// usage: signing_bench [--seconds N]   (default 1; N applies to each measurement)
//
// Rates are per CPU-second of this thread, which is what `openssl speed`
// reports by default (user CPU time), so a busy machine skews neither side.
//
// verify_raw is the crypto alone (what `openssl speed` measures, plus hashing
// the ~230-byte payload); verify() adds base64 decoding and the strict payload
// parse and checks.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "signing/base64.h"
#include "signing/keys.h"
#include "signing/payload.h"
#include "signing/sign.h"
#include "signing/verify.h"

namespace {

using namespace portcullis::signing;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

constexpr char kDigest[] =
    "sha256:2d5416b7218c869d4247260b713b48f926f5430b21e76a0d455121299f6e021e";

struct Case {
  const char* label;
  const char* key;            // fixture basename
  const char* openssl_alg;    // `openssl speed` algorithm name
  const char* openssl_field;  // -mr record: "+F4:<idx>:<bits>" etc.
};

// Runs fn repeatedly for about `seconds` of CPU time; returns operations per CPU-second.
double rate(double seconds, const std::function<bool()>& fn) {
  long ops = 0;
  const double start = thread_cpu_seconds();
  double now = start;
  do {
    for (int i = 0; i < 16; ++i) {
      if (!fn()) {
        std::fprintf(stderr, "verification failed during the benchmark\n");
        std::exit(1);
      }
    }
    ops += 16;
    now = thread_cpu_seconds();
  } while (now - start < seconds);
  return static_cast<double>(ops) / (now - start);
}

// verify/s per `openssl speed -mr` record prefix ("+F4:3:256" -> 11482.7).
std::map<std::string, double> openssl_speed(double seconds, const std::vector<Case>& cases) {
  std::string cmd = "openssl speed -mr -seconds " + std::to_string(static_cast<int>(seconds));
  for (const auto& c : cases) cmd += std::string(" ") + c.openssl_alg;
  cmd += " 2>/dev/null";
  std::map<std::string, double> out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    if (s.rfind("+F", 0) != 0) continue;
    // +F2:idx:bits:sign/s:verify/s   +F4 likewise   +F6:idx:bits:name:sign/s:verify/s
    std::vector<std::string> parts;
    std::stringstream ss(s);
    for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
    if (parts.size() < 5) continue;
    std::string key = parts[0] + ":" + parts[1] + ":" + parts[2];
    out[key] = std::strtod(parts.back().c_str(), nullptr);
  }
  ::pclose(pipe);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  if (seconds < 1) seconds = 1;  // openssl speed takes whole seconds

  const std::vector<Case> cases = {
      {"ECDSA P-256", "ci-ecdsa-p256", "ecdsap256", "+F4:3:256"},
      {"ECDSA P-384", "ecdsa-p384", "ecdsap384", "+F4:4:384"},
      {"RSA-2048 PKCS#1", "rsa-2048", "rsa2048", "+F2:2:2048"},
      {"Ed25519", "ed25519", "ed25519", "+F6:0:253"},
  };
  const std::string keys = std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fixtures/keys/";
  const std::string payload = build_payload("registry.example/team/app", kDigest);

  struct Row {
    double raw = 0, full = 0;
  };
  std::vector<Row> rows;
  for (const auto& c : cases) {
    auto priv = load_private_key_file(keys + c.key + ".key", std::nullopt);
    if (!priv) {
      std::fprintf(stderr, "%s\n", priv.error().message.c_str());
      return 1;
    }
    const PublicKey& pub = priv->public_key();
    auto sig_b64 = sign(payload, *priv);
    if (!sig_b64) {
      std::fprintf(stderr, "%s\n", sig_b64.error().message.c_str());
      return 1;
    }
    const std::string sig = *base64_decode(*sig_b64);
    Row row;
    row.raw = rate(seconds, [&] { return static_cast<bool>(verify_raw(payload, sig, pub)); });
    row.full = rate(seconds, [&] { return verify(payload, *sig_b64, pub, kDigest).verified; });
    rows.push_back(row);
  }

  std::printf("running openssl speed -seconds %d for the same key types...\n",
              static_cast<int>(seconds));
  auto reference = openssl_speed(seconds, cases);

  std::printf("\nverifications per CPU-second\n%-18s %16s %16s %20s %14s %14s\n", "key type",
              "verify_raw/s", "verify()/s", "openssl speed verify/s", "raw/openssl",
              "full/openssl");
  for (size_t i = 0; i < cases.size(); ++i) {
    auto it = reference.find(cases[i].openssl_field);
    double ref = it == reference.end() ? 0 : it->second;
    if (ref > 0) {
      std::printf("%-18s %16.0f %16.0f %20.0f %14.2f %14.2f\n", cases[i].label, rows[i].raw,
                  rows[i].full, ref, rows[i].raw / ref, rows[i].full / ref);
    } else {
      std::printf("%-18s %16.0f %16.0f %20s %14s %14s\n", cases[i].label, rows[i].raw, rows[i].full,
                  "n/a", "n/a", "n/a");
    }
  }
  return 0;
}
