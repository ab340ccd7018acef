// Every YAML file under docker/ parses, and the kustomization lists exactly the Kubernetes objects.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/docker/docker_assets.h"

namespace portcullis::docker_test {
namespace {

std::vector<fs::path> YamlFilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(DockerYamlFiles, EveryFileParsesAndHasContent) {
  const auto files = YamlFilesUnder(DockerDir());
  ASSERT_GE(files.size(), 10u) << "expected the Kubernetes manifests and Trust Manifests";
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    std::vector<YAML::Node> docs;
    ASSERT_NO_THROW(docs = LoadAllDocuments(file));
    ASSERT_FALSE(docs.empty());
    for (const auto& doc : docs) EXPECT_TRUE(doc.IsMap()) << "every document is a mapping";
  }
}

TEST(DockerYamlFiles, KustomizationListsEveryKubernetesObjectFile) {
  // Files in docker/kubernetes/ with a `kind` are objects; the daemon config and the Trust
  // Manifests (manifests/) are ConfigMap sources, not objects.
  std::set<std::string> object_files;
  for (const auto& entry : fs::directory_iterator(KubernetesDir())) {
    const auto name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
    if (name == "kustomization.yaml" || name == "portcullis-config.yaml") continue;
    object_files.insert(name);
  }
  const auto kustomization = YAML::LoadFile((KubernetesDir() / "kustomization.yaml").string());
  EXPECT_EQ(kustomization["kind"].as<std::string>(), "Kustomization");
  EXPECT_EQ(StringSet(kustomization["resources"]), object_files);
  EXPECT_EQ(kustomization["resources"].size(), object_files.size()) << "no duplicates";
}

TEST(DockerYamlFiles, ObjectsAreWellFormedAndNamespaced) {
  const std::set<std::string> cluster_scoped = {"Namespace", "ValidatingWebhookConfiguration",
                                                "MutatingWebhookConfiguration"};
  std::set<std::string> kinds;
  for (const auto& object : KubernetesObjects()) {
    ASSERT_TRUE(object["apiVersion"] && object["kind"] && object["metadata"]["name"]);
    const auto kind = object["kind"].as<std::string>();
    SCOPED_TRACE(kind + "/" + object["metadata"]["name"].as<std::string>());
    kinds.insert(kind);
    EXPECT_EQ(object["metadata"]["labels"]["app.kubernetes.io/name"].as<std::string>(),
              "portcullis");
    if (cluster_scoped.count(kind)) {
      EXPECT_FALSE(object["metadata"]["namespace"]);
    } else {
      EXPECT_EQ(object["metadata"]["namespace"].as<std::string>(), "portcullis-system");
    }
  }
  for (const char* kind : {"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Service",
                           "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}) {
    EXPECT_TRUE(kinds.count(kind)) << "missing " << kind;
  }
  EXPECT_EQ(FindObject("Namespace")["metadata"]["name"].as<std::string>(), "portcullis-system");
}

// kubectl is not a Debian 12 package, so this independent check runs only where it is installed.
TEST(DockerYamlFiles, KubectlKustomizeRendersTheBase) {
  if (!HaveCommand("kubectl")) GTEST_SKIP() << "kubectl not installed";
  const auto result = RunCommand("kubectl kustomize " + ShellQuote(KubernetesDir().string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto rendered = YAML::LoadAll(result.output);
  EXPECT_EQ(rendered.size(), KubernetesObjects().size());
  const auto deployment = std::find_if(rendered.begin(), rendered.end(), [](const YAML::Node& n) {
    return n["kind"].as<std::string>() == "Deployment";
  });
  ASSERT_NE(deployment, rendered.end());
  const auto kustomization = YAML::LoadFile((KubernetesDir() / "kustomization.yaml").string());
  const auto& image = kustomization["images"][0];
  const auto container = (*deployment)["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["image"].as<std::string>(),
            image["newName"].as<std::string>() + ":" + image["newTag"].as<std::string>());
}

}  // namespace
}  // namespace portcullis::docker_test
