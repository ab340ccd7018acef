// portcullis: the registry-side image assurance daemon and its tools.
#include <iostream>
#include <map>

#include "proxy/cli/commands.h"

namespace {

using Command = int (*)(const portcullis::cli::Args&);

struct Entry {
  Command run;
  const char* summary;
};

const std::map<std::string, Entry>& commands() {
  static const std::map<std::string, Entry> table = {
      {"serve", {portcullis::cli::serve, "run the daemon (registry proxy, webhook, API)"}},
      {"version", {portcullis::cli::version, "print the version"}},
      {"validate", {portcullis::cli::validate, "check Trust Manifest files; errors as file:line:col"}},
      {"check", {portcullis::cli::check, "evaluate an image against the Trust Manifests"}},
      {"keygen", {portcullis::cli::keygen, "write a new ECDSA P-256 signing key pair (.key and .pub)"}},
      {"sign", {portcullis::cli::sign, "sign an image in its registry (cosign layout)"}},
      {"verify", {portcullis::cli::verify, "verify an image's cosign signatures against public keys"}},
  };
  return table;
}

int help() {
  std::cout << "usage: portcullis COMMAND [ARGS]\n\ncommands:\n";
  for (const auto& [name, entry] : commands()) std::cout << "  " << name << "\t" << entry.summary << "\n";
  std::cout << "  help\tthis text\n\nEach command takes --help.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    help();
    return 2;
  }
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") return help();
  const auto it = commands().find(name);
  if (it == commands().end()) {
    std::cerr << "portcullis: unknown command \"" << name << "\" (see portcullis help)\n";
    return 2;
  }
  return it->second.run(portcullis::cli::Args(argv + 2, argv + argc));
}
