// `portcullis validate` and `portcullis check`: the Trust Manifest tools.
#include <algorithm>
#include <iostream>

#include "config/daemon_config.h"
#include "policy/evaluator.h"
#include "policy/image_reference.h"
#include "policy/verdict_format.h"
#include "proxy/cli/commands.h"
#include "proxy/trust/manifest_files.h"

namespace portcullis::cli {
namespace {

std::vector<std::string> positional(const Args& args, const std::vector<std::string>& valued_options) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.rfind("--", 0) == 0) {
      const bool takes_value = a.find('=') == std::string::npos &&
                               std::find(valued_options.begin(), valued_options.end(), a) != valued_options.end();
      if (takes_value) ++i;
      continue;
    }
    out.push_back(a);
  }
  return out;
}

}  // namespace

int validate(const Args& args) {
  if (wants_help(args)) {
    std::cout << "usage: portcullis validate FILE|DIR...\n\n"
                 "Checks Trust Manifests. Prints every error as file:line:col: message and\n"
                 "exits 1 if there is any; exits 0 and prints the policy revision otherwise.\n";
    return 0;
  }
  const auto paths = positional(args, {});
  if (paths.empty()) {
    std::cerr << "portcullis validate: give at least one file or directory\n";
    return 2;
  }
  const auto loaded = proxy::trust::load_manifest_files(paths);
  if (!loaded.set) {
    std::cout << policy::to_text(loaded.diagnostics);
    std::cerr << loaded.diagnostics.size() << " error(s) in " << loaded.files.size() << " file(s)\n";
    return 1;
  }
  std::cout << loaded.set->manifests().size() << " manifest(s) in " << loaded.files.size()
            << " file(s) are valid; policy revision " << loaded.set->revision() << "\n";
  return 0;
}

int check(const Args& args) {
  if (wants_help(args)) {
    std::cout << "usage: portcullis check IMAGE [--config FILE | --manifests PATH] [--cluster C]\n"
                 "                        [--namespace N] [--output text|json]\n\n"
                 "Evaluates IMAGE against the Trust Manifests (from the daemon config, or --manifests)\n"
                 "and prints the verdict with every reason. Exit code: 0 allow, 1 deny, 2 error.\n"
                 "Without --namespace the image is judged as at pull time.\n"
                 "Rules on content, signatures and vulnerabilities need the image's facts; until\n"
                 "they are gathered, check evaluates the registry and image rules only.\n";
    return 0;
  }
  const auto images = positional(args, {"--config", "--manifests", "--cluster", "--namespace", "--output"});
  if (images.size() != 1) {
    std::cerr << "portcullis check: give exactly one IMAGE\n";
    return 2;
  }
  std::vector<std::string> manifest_paths;
  std::string cluster = "default";
  if (const auto cfg_path = option(args, "--config"); !cfg_path.empty()) {
    try {
      const auto cfg = config::load_daemon_config(cfg_path);
      manifest_paths = cfg.manifests;
      cluster = cfg.cluster;
    } catch (const config::ConfigError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  if (const auto m = option(args, "--manifests"); !m.empty()) manifest_paths = {m};
  if (const auto c = option(args, "--cluster"); !c.empty()) cluster = c;
  const auto output = option(args, "--output");
  if (!output.empty() && output != "text" && output != "json") {
    std::cerr << "portcullis check: --output is text or json\n";
    return 2;
  }
  auto ref = policy::parse_image_reference(images[0]);
  if (!ref) {
    std::cerr << "portcullis check: " << ref.error() << "\n";
    return 2;
  }
  const auto loaded = proxy::trust::load_manifest_files(manifest_paths);
  if (!loaded.set) {
    std::cerr << policy::to_text(loaded.diagnostics);
    return 2;
  }
  policy::EvaluationRequest req;
  req.image = *ref;
  req.cluster = cluster;
  if (const auto ns = option(args, "--namespace"); !ns.empty()) {
    req.namespace_name = ns;
    req.stage = policy::Stage::Deploy;
  }
  req.now = std::chrono::system_clock::now();
  req.rules = policy::RuleSet::ReferenceOnly;
  req.untagged_judged_on_repository = true;
  const auto verdict = policy::evaluate(*loaded.set, req);
  if (output == "json") {
    auto j = policy::to_json(verdict);
    j["image"] = ref->to_string();
    j["evaluated"] = "registry and image rules (image facts not gathered)";
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << policy::to_text(verdict, ref->to_string());
    if (verdict.needs.any())
      std::cout << "note: content, signature and vulnerability rules were not evaluated (image facts not "
                   "gathered)\n";
  }
  return verdict.allowed ? 0 : 1;
}

}  // namespace portcullis::cli
