// The node mirror configs: containerd hosts.toml and CRI-O/podman registries.conf.
#include <gtest/gtest.h>

#include "tests/docker/docker_assets.h"
#include "tests/docker/toml_subset.h"

namespace portcullis::docker_test {
namespace {

const TomlTable* FindTable(const std::vector<TomlTable>& tables,
                           const std::vector<std::string>& header) {
  for (const auto& table : tables) {
    if (table.header == header) return &table;
  }
  return nullptr;
}

std::string Str(const TomlTable& table, const std::string& key) {
  const auto it = table.values.find(key);
  if (it == table.values.end()) throw std::runtime_error("missing key " + key);
  return it->second.text;
}

std::set<std::string> Items(const TomlTable& table, const std::string& key) {
  const auto it = table.values.find(key);
  if (it == table.values.end()) throw std::runtime_error("missing key " + key);
  return {it->second.items.begin(), it->second.items.end()};
}

std::set<std::string> UpstreamNames() {
  std::set<std::string> names;
  for (const auto& upstream : DaemonConfig()["upstreams"]) {
    names.insert(upstream["name"].as<std::string>());
  }
  return names;
}

TEST(TomlSubset, RejectsWhatItDoesNotKnow) {
  EXPECT_THROW(ParseTomlSubset("server = https://x\n"), TomlError);
  EXPECT_THROW(ParseTomlSubset("a = \"x\"\na = \"y\"\n"), TomlError);
  EXPECT_THROW(ParseTomlSubset("[host.\"x\"\n"), TomlError);
  EXPECT_THROW(ParseTomlSubset("a = [\"x\" \"y\"]\n"), TomlError);
  const auto tables = ParseTomlSubset("a = true # c\n[[r]]\nb = [\"x\", \"y\"]\n");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].values.at("a").type, TomlValue::Type::kBool);
  EXPECT_TRUE(tables[1].array_item);
  EXPECT_EQ(tables[1].values.at("b").items, (std::vector<std::string>{"x", "y"}));
}

TEST(ContainerdHostsToml, PortcullisIsTheServerSoThereIsNoFallback) {
  const auto containerd_dir = DockerDir() / "nodes" / "containerd";
  std::vector<fs::path> registries;
  for (const auto& entry : fs::directory_iterator(containerd_dir)) registries.push_back(entry);
  ASSERT_EQ(registries.size(), 1u);
  // The directory is named after the registry as image references spell it.
  const std::string registry = registries[0].filename().string();
  EXPECT_TRUE(UpstreamNames().count(registry)) << registry;

  const auto tables = ParseTomlSubset(ReadFile(registries[0] / "hosts.toml"));
  const auto& root = tables[0];
  const std::string server = Str(root, "server");
  EXPECT_EQ(server, "https://portcullis.example:8443");
  EXPECT_TRUE(ListenerHasTls(DaemonConfig(), PortOf(server)));
  EXPECT_EQ(Items(root, "capabilities"), (std::set<std::string>{"pull", "resolve"}));
  const std::string ca_dir = "/etc/containerd/certs.d/" + registry + "/";
  EXPECT_EQ(Str(root, "ca").rfind(ca_dir, 0), 0u);

  ASSERT_EQ(tables.size(), 2u) << "one mirror host: Portcullis itself";
  const auto* host = FindTable(tables, {"host", server});
  ASSERT_NE(host, nullptr) << "[host.\"" << server << "\"]";
  EXPECT_EQ(Items(*host, "capabilities"), (std::set<std::string>{"pull", "resolve"}));
  EXPECT_EQ(Str(*host, "ca"), Str(root, "ca"));
}

TEST(RegistriesConf, MirrorsTheUpstreamThroughAPathPrefix) {
  const auto tables = ParseTomlSubset(ReadFile(DockerDir() / "nodes" / "registries.conf"));
  const auto* registry = FindTable(tables, {"registry"});
  const auto* mirror = FindTable(tables, {"registry", "mirror"});
  ASSERT_NE(registry, nullptr);
  ASSERT_NE(mirror, nullptr);
  EXPECT_TRUE(registry->array_item && mirror->array_item);

  const std::string prefix = Str(*registry, "prefix");
  EXPECT_TRUE(UpstreamNames().count(prefix)) << prefix;
  EXPECT_EQ(Str(*registry, "location"), prefix);
  EXPECT_EQ(Str(*registry, "blocked"), "false");
  EXPECT_EQ(Str(*registry, "mirror-by-digest-only"), "false") << "tag pulls are judged too";

  const std::string location = Str(*mirror, "location");
  EXPECT_EQ(location, "portcullis.example:5000/" + prefix);
  const int port = PortOf(location.substr(0, location.find('/')));
  EXPECT_FALSE(ListenerHasTls(DaemonConfig(), port));
  EXPECT_EQ(Str(*mirror, "insecure"), "true") << "port " << port << " is the plain listener";
}

TEST(RegistriesConf, DocumentsTheNoFallbackSetup) {
  const auto text = ReadFile(DockerDir() / "nodes" / "registries.conf");
  EXPECT_NE(text.find("#   location = \"portcullis.example:5000/registry.corp.example\""),
            std::string::npos);
}

}  // namespace
}  // namespace portcullis::docker_test
