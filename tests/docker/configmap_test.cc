// The ConfigMaps carry exactly the standalone files (daemon config, Trust Manifests), and the
// daemon config uses the contract keys consistently.
#include <gtest/gtest.h>

#include "tests/docker/docker_assets.h"

namespace portcullis::docker_test {
namespace {

TEST(DockerConfigMap, DaemonConfigEqualsTheStandaloneFile) {
  const auto config_map = FindObject("ConfigMap", "portcullis-config");
  ASSERT_TRUE(config_map["data"]["config.yaml"]);
  EXPECT_EQ(config_map["data"]["config.yaml"].as<std::string>(),
            ReadFile(KubernetesDir() / "portcullis-config.yaml"))
      << "configmap.yaml and portcullis-config.yaml differ: copy the file into data.config.yaml";
  EXPECT_EQ(config_map["data"].size(), 1u);
}

TEST(DockerConfigMap, TrustManifestsEqualTheStandaloneFiles) {
  const auto config_map = FindObject("ConfigMap", "portcullis-manifests");
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(KubernetesDir() / "manifests")) {
    files.insert(entry.path().filename().string());
  }
  ASSERT_FALSE(files.empty());
  std::set<std::string> keys;
  for (const auto& item : config_map["data"]) keys.insert(item.first.as<std::string>());
  EXPECT_EQ(keys, files);
  for (const auto& name : files) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(config_map["data"][name]);
    EXPECT_EQ(config_map["data"][name].as<std::string>(),
              ReadFile(KubernetesDir() / "manifests" / name));
  }
}

TEST(DockerConfigMap, TrustManifestsLookLikeTrustManifests) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(KubernetesDir() / "manifests")) {
    SCOPED_TRACE(entry.path().string());
    const auto manifest = YAML::LoadFile(entry.path().string());
    EXPECT_EQ(manifest["apiVersion"].as<std::string>(), "portcullis.dev/v1");
    EXPECT_EQ(manifest["kind"].as<std::string>(), "TrustManifest");
    EXPECT_TRUE(manifest["spec"].IsMap());
    EXPECT_TRUE(names.insert(manifest["metadata"]["name"].as<std::string>()).second)
        << "manifest names are unique";
  }
}

TEST(DockerConfigMap, DaemonConfigHasTheContractKeys) {
  const auto config = DaemonConfig();
  // The issue-2 contract, cluster and admission (the webhook's keys), and the loader's tuning
  // keys. Anything else is a key the config loader must learn first.
  const std::set<std::string> known = {"listen",    "upstreams", "clientAuth", "store",
                                       "manifests", "cluster",   "admission",  "strictBlobs",
                                       "accessLog", "timeouts",  "limits"};
  for (const auto& item : config) {
    EXPECT_TRUE(known.count(item.first.as<std::string>())) << item.first.as<std::string>();
  }
  ASSERT_TRUE(config["listen"].IsSequence());
  ASSERT_TRUE(config["upstreams"].IsSequence());
  EXPECT_FALSE(config["cluster"].as<std::string>().empty());
  EXPECT_EQ(config["store"]["path"].as<std::string>(), "/var/lib/portcullis");
  EXPECT_EQ(StringSet(config["manifests"]), std::set<std::string>{"/etc/portcullis/manifests/"});
  EXPECT_GT(ParseDuration(config["admission"]["deadline"].as<std::string>()).count(), 0);
  EXPECT_EQ(StringSet(config["admission"]["exemptNamespaces"]),
            (std::set<std::string>{"kube-system", "portcullis-system"}));

  std::set<std::string> upstream_names;
  for (const auto& upstream : config["upstreams"]) {
    upstream_names.insert(upstream["name"].as<std::string>());
    const auto url = upstream["url"].as<std::string>();
    EXPECT_TRUE(url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) << url;
  }
  EXPECT_TRUE(upstream_names.count("registry.corp.example"));
  for (const auto& listener : config["listen"]) {
    EXPECT_NO_THROW(PortOf(listener["address"].as<std::string>()));
    if (listener["defaultUpstream"]) {
      EXPECT_TRUE(upstream_names.count(listener["defaultUpstream"].as<std::string>()));
    }
  }
}

TEST(DockerConfigMap, ListenersAreTlsOn8443AndPlainOn5000) {
  const auto config = DaemonConfig();
  ASSERT_EQ(config["listen"].size(), 2u);
  EXPECT_TRUE(ListenerHasTls(config, 8443));
  EXPECT_FALSE(ListenerHasTls(config, 5000));
  for (const auto& listener : config["listen"]) {
    EXPECT_EQ(listener["address"].as<std::string>().rfind("0.0.0.0:", 0), 0u)
        << "in a pod, listeners bind all interfaces";
    if (!listener["tls"]) continue;
    EXPECT_EQ(listener["tls"]["cert"].as<std::string>(), "/etc/portcullis/tls/tls.crt");
    EXPECT_EQ(listener["tls"]["key"].as<std::string>(), "/etc/portcullis/tls/tls.key");
  }
}

}  // namespace
}  // namespace portcullis::docker_test
