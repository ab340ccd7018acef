// `portcullis validate` and `portcullis check`: the Trust Manifest tools.
#include <algorithm>
#include <iostream>

#include "config/daemon_config.h"
#include "policy/evaluator.h"
#include "policy/facts_json.h"
#include "policy/image_reference.h"
#include "policy/verdict_format.h"
#include "proxy/cli/commands.h"
#include "proxy/cli/judge_runtime.h"
#include "proxy/trust/manifest_files.h"

namespace portcullis::cli {
namespace {

bool has_flag(const Args& args, const std::string& name) {
  return std::find(args.begin(), args.end(), name) != args.end();
}

std::vector<std::string> positional(const Args& args,
                                    const std::vector<std::string>& valued_options) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.rfind("--", 0) == 0) {
      const bool takes_value =
          a.find('=') == std::string::npos &&
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
    std::cerr << loaded.diagnostics.size() << " error(s) in " << loaded.files.size()
              << " file(s)\n";
    return 1;
  }
  std::cout << loaded.set->manifests().size() << " manifest(s) in " << loaded.files.size()
            << " file(s) are valid; policy revision " << loaded.set->revision() << "\n";
  return 0;
}

namespace {

// The content facts a person checking an image wants to see at a glance.
void print_content_summary(const policy::ImageFacts& facts) {
  if (facts.assessment_error) {
    std::cout << "content: not judged: " << *facts.assessment_error << "\n";
    return;
  }
  if (!facts.content) return;
  const auto& c = *facts.content;
  auto os = c.os_release.find("PRETTY_NAME");
  std::cout << "content: " << c.files.size() << " paths, " << c.packages.size() << " packages"
            << (os != c.os_release.end() ? ", " + os->second : std::string()) << "\n";
  for (const auto& f : c.findings)
    std::cout << "  finding " << f.detector << ": " << (f.path.empty() ? f.detail : f.path)
              << (f.path.empty() || f.detail.empty() ? "" : " (" + f.detail + ")") << "\n";
}

// Judges through the config's upstreams, as the daemon would: tag -> digest,
// content assessment (cached in the daemon's store when it can be opened).
int check_with_facts(config::DaemonConfig cfg, const policy::ImageReference& ref,
                     const std::optional<std::string>& ns, const std::string& output) {
  std::optional<cli::JudgeRuntime> runtime;
  try {
    runtime.emplace(std::move(cfg));
  } catch (const std::exception& e) {
    std::cerr << "portcullis check: " << e.what() << "\n";
    return 2;
  }
  proxy::judge::JudgeRequest request;
  request.registry = ref.registry;
  request.repository = ref.repository;
  request.tag = ref.tag;
  request.digest = ref.digest;
  request.stage = ns ? policy::Stage::Deploy : policy::Stage::Pull;
  request.namespace_name = ns;
  if (!ref.digest.empty() && ref.tag.empty()) request.untagged_judged_on_repository = true;
  auto judgement = runtime->run(runtime->judge().judge(request));

  const bool judged = judgement.outcome == proxy::judge::Outcome::judged;
  const bool reference_denied = !judgement.verdict.allowed;
  if (output == "json") {
    auto j = policy::to_json(judgement.verdict);
    j["image"] = judgement.image;
    if (!judgement.digest.empty()) j["digest"] = judgement.digest;
    if (judgement.assessment) j["facts"] = policy::facts_to_json(judgement.assessment->facts);
    if (!judged) j["error"] = proxy::judge::denial_message(judgement);
    j["evaluated"] = judged && judgement.assessment ? "all rules, with the image's facts"
                                                    : "registry and image rules";
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << policy::to_text(judgement.verdict, judgement.image);
    if (judgement.assessment) print_content_summary(judgement.assessment->facts);
    if (!judged) std::cout << "note: " << proxy::judge::denial_message(judgement) << "\n";
  }
  if (reference_denied) return 1;
  if (!judged) return 2;
  return judgement.verdict.allowed ? 0 : 1;
}

}  // namespace

int check(const Args& args) {
  if (wants_help(args)) {
    std::cout
        << "usage: portcullis check IMAGE [--config FILE] [--manifests PATH] [--cluster C]\n"
           "                        [--namespace N] [--output text|json] [--offline]\n\n"
           "Evaluates IMAGE against the Trust Manifests (from the daemon config, or --manifests)\n"
           "and prints the verdict with every reason. Exit code: 0 allow, 1 deny, 2 error.\n"
           "Without --namespace the image is judged as at pull time.\n"
           "With --config, the image is judged as the daemon judges it: its tag is resolved\n"
           "through the config's upstreams and credentials, its content is assessed (or read\n"
           "from the daemon's facts store), and every rule is evaluated; --output json then\n"
           "includes the facts (packages, files, findings). Without --config, or with\n"
           "--offline, only the registry and image rules are evaluated.\n";
    return 0;
  }
  const auto images =
      positional(args, {"--config", "--manifests", "--cluster", "--namespace", "--output"});
  if (images.size() != 1) {
    std::cerr << "portcullis check: give exactly one IMAGE\n";
    return 2;
  }
  std::vector<std::string> manifest_paths;
  std::string cluster = "default";
  std::optional<config::DaemonConfig> cfg;
  if (const auto cfg_path = option(args, "--config"); !cfg_path.empty()) {
    try {
      cfg = config::load_daemon_config(cfg_path);
      manifest_paths = cfg->manifests;
      cluster = cfg->cluster;
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
  if (cfg && !has_flag(args, "--offline")) {
    cfg->manifests = manifest_paths;
    cfg->cluster = cluster;
    std::optional<std::string> ns;
    if (const auto n = option(args, "--namespace"); !n.empty()) ns = n;
    return check_with_facts(std::move(*cfg), *ref, ns, output);
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
      std::cout
          << "note: content, signature and vulnerability rules were not evaluated (image facts not "
             "gathered)\n";
  }
  return verdict.allowed ? 0 : 1;
}

}  // namespace portcullis::cli
