#include <cstdlib>
#include <iostream>
#include <thread>

#include "config/daemon_config.h"
#include "proxy/cli/commands.h"
#include "proxy/server.h"

namespace portcullis::cli {

bool wants_help(const Args& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

std::string option(const Args& args, const std::string& name) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(name + "=", 0) == 0) return args[i].substr(name.size() + 1);
  }
  return "";
}

int serve(const Args& args) {
  if (wants_help(args)) {
    std::cout << "usage: portcullis serve --config FILE\n\n"
                 "Runs the daemon: the OCI registry proxy on every listener in the config.\n"
                 "SIGTERM or SIGINT drains connections in flight, then exits.\n";
    return 0;
  }
  const auto path = option(args, "--config");
  if (path.empty()) {
    std::cerr << "portcullis serve: --config FILE is required\n";
    return 2;
  }
  try {
    auto config = config::load_daemon_config(path);
    proxy::Server server(config);
    unsigned io_threads = std::max(2u, std::thread::hardware_concurrency());
    if (const char* env = std::getenv("PORTCULLIS_IO_THREADS"); env && std::atoi(env) > 0)
      io_threads = static_cast<unsigned>(std::atoi(env));
    server.start(io_threads);
    const auto ports = server.ports();
    for (size_t i = 0; i < config.listen.size(); ++i)
      std::cerr << "portcullis: listening on " << config.listen[i].host << ":" << ports[i]
                << (config.listen[i].tls ? " (TLS)" : " (plain HTTP)") << "\n";
    server.run_until_signal();
    return 0;
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "portcullis: " << e.what() << "\n";
    return 1;
  }
}

int version(const Args& args) {
  std::cout << "portcullis " << PORTCULLIS_VERSION << "\n";
  return 0;
}

}  // namespace portcullis::cli
