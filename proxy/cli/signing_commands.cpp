// `portcullis keygen`, `portcullis sign` and `portcullis verify`: cosign-
// compatible keys and signatures from the command line. sign and verify talk
// to the registry with the upstreams and credentials of --config, like the
// daemon does.
#include <iostream>
#include <optional>

#include "config/daemon_config.h"
#include "policy/image_reference.h"
#include "proxy/cli/commands.h"
#include "proxy/registry/upstreams.h"
#include "proxy/signatures/push_signer.h"
#include "proxy/signatures/signature_discovery.h"
#include "proxy/signatures/trusted_keys.h"
#include "signing/assess.h"
#include "signing/keygen.h"
#include "signing/keys.h"

namespace portcullis::cli {
namespace {

using namespace proxy;

// Every value of a repeatable "--name VALUE" / "--name=VALUE" option.
std::vector<std::string> options(const Args& args, const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size())
      out.push_back(args[++i]);
    else if (args[i].rfind(name + "=", 0) == 0)
      out.push_back(args[i].substr(name.size() + 1));
  }
  return out;
}

bool flag(const Args& args, const std::string& name) {
  for (const auto& a : args)
    if (a == name) return true;
  return false;
}

// Arguments that are neither options nor option values.
std::vector<std::string> operands(const Args& args, const std::vector<std::string>& valued) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.rfind("--", 0) == 0) {
      if (a.find('=') == std::string::npos &&
          std::find(valued.begin(), valued.end(), a) != valued.end())
        ++i;
      continue;
    }
    out.push_back(a);
  }
  return out;
}

// The passphrase from --passphrase-file or --passphrase-env; nullopt when
// neither is given. Errors are printed; `ok` turns false.
std::optional<std::string> passphrase_option(const Args& args, const char* command, bool& ok) {
  const auto file = option(args, "--passphrase-file");
  const auto env = option(args, "--passphrase-env");
  if (!file.empty() && !env.empty()) {
    std::cerr << "portcullis " << command
              << ": give --passphrase-file or --passphrase-env, not both\n";
    ok = false;
    return std::nullopt;
  }
  signing::Result<std::string> p = signing::fail("");
  if (!file.empty())
    p = signing::read_passphrase_file(file);
  else if (!env.empty())
    p = signing::read_passphrase_env(env);
  else
    return std::nullopt;
  if (!p) {
    std::cerr << "portcullis " << command << ": " << p.error().message << "\n";
    ok = false;
    return std::nullopt;
  }
  return std::move(*p);
}

// The registry side of sign and verify: one io_context, the connection pool
// and the upstream that serves the image's registry.
class RegistryAccess {
 public:
  // Throws std::runtime_error (message for the user) when no upstream fits.
  RegistryAccess(const Args& args, const policy::ImageReference& ref)
      : pool_(ioc_.get_executor(), std::chrono::seconds(10)) {
    std::vector<config::Upstream> upstreams;
    limits_.timeout = std::chrono::seconds(30);
    if (const auto path = option(args, "--config"); !path.empty()) {
      const auto cfg = config::load_daemon_config(path);  // ConfigError: file:line:col
      upstreams = cfg.upstreams;
      limits_.max_body = cfg.limits.max_manifest_bytes;
      limits_.max_header = cfg.limits.max_header_bytes;
      limits_.timeout = cfg.timeouts.header;
    } else {
      // No config: the registry itself, anonymously.
      config::Upstream u;
      u.name = ref.registry;
      const std::string host = ref.registry == "docker.io" ? "registry-1.docker.io" : ref.registry;
      u.url = (flag(args, "--plain-http") ? "http://" : "https://") + host;
      upstreams.push_back(u);
    }
    upstreams_ = std::make_unique<registry::Upstreams>(upstreams, pool_, limits_);
    const auto index = upstreams_->directory().find(ref.registry);
    if (!index)
      throw std::runtime_error("registry " + ref.registry +
                               " is not one of the config's upstreams (" +
                               upstreams_->directory().approved_list() + ")");
    upstream_ = &upstreams_->at(*index);
  }

  upstream::ConnectionPool& pool() { return pool_; }
  registry::UpstreamRuntime& upstream() { return *upstream_; }
  const upstream::FetchLimits& limits() const { return limits_; }

  // Runs `task` to completion on this thread.
  template <class T>
  T run(awaitable<T> task) {
    std::optional<T> result;
    std::exception_ptr failure;
    asio::co_spawn(ioc_, std::move(task), [&](std::exception_ptr e, T value) {
      if (e)
        failure = e;
      else
        result = std::move(value);
    });
    ioc_.run();
    ioc_.restart();
    if (failure) std::rethrow_exception(failure);
    return std::move(*result);
  }

 private:
  asio::io_context ioc_;
  upstream::ConnectionPool pool_;
  upstream::FetchLimits limits_;
  std::unique_ptr<registry::Upstreams> upstreams_;
  registry::UpstreamRuntime* upstream_ = nullptr;
};

// The manifest digest IMAGE names: its own digest, or what its tag points at.
awaitable<assessment::Result<std::string>> resolve_digest(RegistryAccess& access,
                                                          policy::ImageReference ref) {
  if (!ref.digest.empty()) co_return ref.digest;
  signatures::RegistryClient client(access.pool(), access.upstream(), ref.repository,
                                    upstream::repository_scope(ref.repository, "pull"),
                                    access.limits());
  auto digest = co_await client.manifest_digest(ref.tag);
  if (!digest) co_return digest.error();
  if (!*digest) {
    assessment::Error e = assessment::make_error(
        assessment::Errc::not_found, "no manifest " + ref.to_string() + " in the registry");
    co_return e;
  }
  co_return **digest;
}

struct VerifyRun {
  std::string digest;
  signatures::Discovered discovered;
};

awaitable<assessment::Result<VerifyRun>> discover(RegistryAccess& access,
                                                  policy::ImageReference ref) {
  auto digest = co_await resolve_digest(access, ref);
  if (!digest) co_return digest.error();
  signatures::RegistryClient client(access.pool(), access.upstream(), ref.repository,
                                    upstream::repository_scope(ref.repository, "pull"),
                                    access.limits());
  const std::string d = *digest;
  auto found = co_await signatures::discover_signatures(client, d, signatures::DiscoveryOptions{});
  if (!found) co_return found.error();
  co_return VerifyRun{d, std::move(*found)};
}

std::optional<policy::ImageReference> image_operand(const Args& args,
                                                    const std::vector<std::string>& valued,
                                                    const char* command) {
  const auto images = operands(args, valued);
  if (images.size() != 1) {
    std::cerr << "portcullis " << command << ": give exactly one IMAGE\n";
    return std::nullopt;
  }
  auto ref = policy::parse_image_reference(images[0]);
  if (!ref) {
    std::cerr << "portcullis " << command << ": " << ref.error() << "\n";
    return std::nullopt;
  }
  return *ref;
}

}  // namespace

int keygen(const Args& args) {
  if (wants_help(args)) {
    std::cout
        << "usage: portcullis keygen [--out PREFIX] [--passphrase-file F | --passphrase-env NAME] "
           "[--force]\n\n"
           "Writes a new ECDSA P-256 key pair: PREFIX.key (PKCS#8 PEM, mode 0600; encrypted with\n"
           "AES-256-CBC when a passphrase is given) and PREFIX.pub (the public key for Trust\n"
           "Manifests and `portcullis verify`). PREFIX defaults to \"portcullis\". Existing files\n"
           "are kept unless --force.\n";
    return 0;
  }
  if (!operands(args, {"--out", "--passphrase-file", "--passphrase-env"}).empty()) {
    std::cerr << "portcullis keygen: unexpected argument (see --help)\n";
    return 2;
  }
  bool ok = true;
  const auto passphrase = passphrase_option(args, "keygen", ok);
  if (!ok) return 2;
  std::string prefix = option(args, "--out");
  if (prefix.empty()) prefix = "portcullis";
  auto key = signing::generate_ecdsa_p256();
  if (!key) {
    std::cerr << "portcullis keygen: " << key.error().message << "\n";
    return 1;
  }
  std::optional<std::string_view> pass;
  if (passphrase) pass = *passphrase;
  auto written = signing::write_key_pair(prefix, *key, pass, flag(args, "--force"));
  if (!written) {
    std::cerr << "portcullis keygen: " << written.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << prefix << ".key (ECDSA P-256, "
            << (passphrase ? "encrypted" : "unencrypted") << " PKCS#8) and " << prefix << ".pub\n"
            << "fingerprint " << key->public_key().fingerprint() << "\n";
  return 0;
}

int sign(const Args& args) {
  if (wants_help(args)) {
    std::cout
        << "usage: portcullis sign IMAGE --key FILE [--config FILE] [--passphrase-file F | "
           "--passphrase-env NAME]\n"
           "                          [--plain-http]\n\n"
           "Signs the manifest IMAGE names (a tag is resolved to its digest) and uploads the\n"
           "signature in cosign's layout: the sha256-<hex>.sig tag next to the image, appending "
           "to\n"
           "the signatures already there. With --config, the registry is reached through that\n"
           "config's upstream for the image's registry, with its credentials; without, directly\n"
           "(https, or http with --plain-http) and anonymously.\n"
           "Exit code: 0 signed (or already signed by this key), 1 failed, 2 usage or config "
           "error.\n";
    return 0;
  }
  const std::vector<std::string> valued{"--key", "--config", "--passphrase-file",
                                        "--passphrase-env"};
  auto ref = image_operand(args, valued, "sign");
  if (!ref) return 2;
  const auto key_file = option(args, "--key");
  if (key_file.empty()) {
    std::cerr << "portcullis sign: --key FILE (a private key) is required\n";
    return 2;
  }
  bool ok = true;
  const auto passphrase = passphrase_option(args, "sign", ok);
  if (!ok) return 2;
  std::optional<std::string_view> pass;
  if (passphrase) pass = *passphrase;
  auto key = signing::load_private_key_file(key_file, pass);
  if (!key) {
    std::cerr << "portcullis sign: " << key_file << ": " << key.error().message << "\n";
    return 2;
  }
  try {
    RegistryAccess access(args, *ref);
    signatures::PushSigner signer(*key, {}, access.pool(), access.limits());
    auto digest = access.run(resolve_digest(access, *ref));
    if (!digest) {
      std::cerr << "portcullis sign: " << digest.error().message << "\n";
      return 1;
    }
    auto outcome =
        access.run(signer.sign(access.upstream(), ref->repository, *digest, ref->name()));
    (outcome.ok() ? std::cout : std::cerr) << outcome.describe() << "\n";
    return outcome.ok() ? 0 : 1;
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "portcullis sign: " << e.what() << "\n";
    return 2;
  }
}

int verify(const Args& args) {
  if (wants_help(args)) {
    std::cout
        << "usage: portcullis verify IMAGE --key FILE [--key FILE...] [--config FILE] "
           "[--identity]\n"
           "                            [--plain-http]\n\n"
           "Finds the cosign signatures of the manifest IMAGE names (the sha256-<hex>.sig tag and\n"
           "OCI referrers), prints each payload, and verifies each signature against the public\n"
           "keys: the signature must verify cryptographically and its payload must name exactly\n"
           "this digest. --identity also requires the payload to name IMAGE's repository.\n"
           "The registry is reached as for `portcullis sign`.\n"
           "Exit code: 0 verified by a key, 1 not verified, 2 usage, config or registry error.\n";
    return 0;
  }
  const std::vector<std::string> valued{"--key", "--config"};
  auto ref = image_operand(args, valued, "verify");
  if (!ref) return 2;
  const auto key_files = options(args, "--key");
  if (key_files.empty()) {
    std::cerr << "portcullis verify: --key FILE (a public key) is required\n";
    return 2;
  }
  std::vector<signing::PublicKey> keys;
  std::map<std::string, std::string> key_names;  // fingerprint -> file
  for (const auto& file : key_files) {
    auto key = signing::load_public_key_file(file);
    if (!key) {
      std::cerr << "portcullis verify: " << file << ": " << key.error().message << "\n";
      return 2;
    }
    key_names[key->fingerprint()] = file + ", " + key->description();
    keys.push_back(std::move(*key));
  }
  try {
    RegistryAccess access(args, *ref);
    auto run = access.run(discover(access, *ref));
    if (!run) {
      std::cerr << "portcullis verify: " << run.error().message << "\n";
      return 2;
    }
    std::cout << "image: " << ref->name() << "@" << run->digest << "\n";
    for (const auto& src : run->discovered.sources) {
      for (const auto& [digest, bytes] : src.payloads)
        std::cout << "payload " << digest << " (" << src.source << "):\n" << bytes << "\n";
    }
    signing::AssessOptions opts;
    if (flag(args, "--identity")) opts.expected_docker_reference = ref->name();
    const auto facts = signing::assess_signatures(run->digest, run->discovered.sources, keys, opts);
    for (const auto& v : facts.verified)
      std::cout << "verified: " << v.source << " by key " << v.key_fingerprint << " ("
                << key_names[v.key_fingerprint] << "), docker-reference " << v.docker_reference
                << "\n";
    for (const auto& r : facts.rejected) std::cout << "rejected: " << r << "\n";
    if (facts.discovered == 0)
      std::cout << "no signatures found (" << run->discovered.signature_tag << ")\n";
    const bool verified = !facts.verified.empty();
    std::cout << "result: " << (verified ? "VERIFIED" : "NOT VERIFIED") << " ("
              << facts.verified.size() << " of " << facts.discovered << " signature"
              << (facts.discovered == 1 ? "" : "s") << " verified)\n";
    return verified ? 0 : 1;
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "portcullis verify: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace portcullis::cli
