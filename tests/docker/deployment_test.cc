// The Deployment, Service and PodDisruptionBudget agree with each other, with the daemon config
// and with the image.
#include <gtest/gtest.h>

#include <map>

#include "tests/docker/docker_assets.h"
#include "tests/docker/dockerfile_parse.h"

namespace portcullis::docker_test {
namespace {

YAML::Node PodSpec() { return FindObject("Deployment", "portcullis")["spec"]["template"]["spec"]; }
YAML::Node Container() {
  const auto containers = PodSpec()["containers"];
  if (containers.size() != 1) throw std::runtime_error("expected one container");
  return containers[0];
}

std::map<std::string, int> ContainerPorts() {
  std::map<std::string, int> ports;
  for (const auto& port : Container()["ports"]) {
    ports[port["name"].as<std::string>()] = port["containerPort"].as<int>();
  }
  return ports;
}

// A probe's or Service's port: a number, or the name of a container port.
int ResolvePort(const YAML::Node& port) {
  const auto text = port.as<std::string>();
  if (text.find_first_not_of("0123456789") == std::string::npos) return std::stoi(text);
  const auto ports = ContainerPorts();
  const auto it = ports.find(text);
  if (it == ports.end()) throw std::runtime_error("no container port named " + text);
  return it->second;
}

bool IsUnder(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

TEST(DockerDeployment, RunsTwoSpreadReplicas) {
  const auto deployment = FindObject("Deployment", "portcullis");
  EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 2);
  EXPECT_EQ(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>(), 0)
      << "a rollout never drops below two answering replicas";
  const auto terms =
      PodSpec()["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"];
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0]["podAffinityTerm"]["topologyKey"].as<std::string>(), "kubernetes.io/hostname");
  const auto labels = deployment["spec"]["template"]["metadata"]["labels"];
  for (const auto& selector : {deployment["spec"]["selector"]["matchLabels"],
                               terms[0]["podAffinityTerm"]["labelSelector"]["matchLabels"]}) {
    for (const auto& item : selector) {
      EXPECT_EQ(labels[item.first.as<std::string>()].as<std::string>(),
                item.second.as<std::string>());
    }
  }
}

TEST(DockerDeployment, ProbesUseTheTlsListener) {
  const auto container = Container();
  const auto readiness = container["readinessProbe"]["httpGet"];
  const auto liveness = container["livenessProbe"]["httpGet"];
  EXPECT_EQ(readiness["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(liveness["path"].as<std::string>(), "/healthz");
  for (const auto& probe : {readiness, liveness}) {
    EXPECT_EQ(probe["scheme"].as<std::string>(), "HTTPS");
    EXPECT_EQ(ResolvePort(probe["port"]), 8443);
  }
  EXPECT_TRUE(ListenerHasTls(DaemonConfig(), 8443));
}

TEST(DockerDeployment, ContainerPortsAreTheListenersAndTheImagesExposedPorts) {
  const auto ports = ContainerPorts();
  EXPECT_EQ(ports, (std::map<std::string, int>{{"https", 8443}, {"registry", 5000}}));
  std::set<int> listener_ports;
  for (const auto& listener : DaemonConfig()["listen"]) {
    listener_ports.insert(PortOf(listener["address"].as<std::string>()));
  }
  std::set<int> container_ports;
  for (const auto& [name, port] : ports) container_ports.insert(port);
  EXPECT_EQ(container_ports, listener_ports);

  const auto dockerfile = ParseDockerfile(ReadFile(DockerDir() / "Dockerfile"));
  std::set<int> exposed;
  for (const auto& expose : dockerfile.InStage(dockerfile.stages.size() - 1, "EXPOSE")) {
    for (const auto& word : Words(expose.args)) exposed.insert(std::stoi(word));
  }
  EXPECT_EQ(exposed, container_ports);
}

TEST(DockerDeployment, HasResourceRequestsAndLimits) {
  const auto resources = Container()["resources"];
  for (const char* section : {"requests", "limits"}) {
    for (const char* resource : {"cpu", "memory"}) {
      EXPECT_TRUE(resources[section][resource]) << section << "." << resource;
    }
  }
}

TEST(DockerDeployment, RunsAsTheImagesNonRootUserWithNoPrivileges) {
  const auto pod = PodSpec()["securityContext"];
  const auto container = Container()["securityContext"];
  EXPECT_TRUE(pod["runAsNonRoot"].as<bool>());
  EXPECT_EQ(pod["runAsUser"].as<int>(), 65532);
  EXPECT_EQ(pod["seccompProfile"]["type"].as<std::string>(), "RuntimeDefault");
  EXPECT_TRUE(container["runAsNonRoot"].as<bool>());
  EXPECT_EQ(container["runAsUser"].as<int>(), 65532);
  EXPECT_TRUE(container["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(container["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(StringSet(container["capabilities"]["drop"]), std::set<std::string>{"ALL"});
  EXPECT_FALSE(container["capabilities"]["add"]);

  const auto dockerfile = ParseDockerfile(ReadFile(DockerDir() / "Dockerfile"));
  const auto users = dockerfile.InStage(dockerfile.stages.size() - 1, "USER");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].args.substr(0, users[0].args.find(':')), "65532");
}

TEST(DockerDeployment, EveryMountHasAVolumeAndEveryVolumeIsMounted) {
  std::set<std::string> volumes;
  for (const auto& volume : PodSpec()["volumes"]) {
    EXPECT_TRUE(volumes.insert(volume["name"].as<std::string>()).second);
  }
  std::set<std::string> mounted;
  std::set<std::string> mount_paths;
  for (const auto& mount : Container()["volumeMounts"]) {
    mounted.insert(mount["name"].as<std::string>());
    EXPECT_TRUE(mount_paths.insert(mount["mountPath"].as<std::string>()).second);
  }
  EXPECT_EQ(mounted, volumes);
}

TEST(DockerDeployment, VolumesCarryWhatTheDaemonConfigAndImageExpect) {
  std::map<std::string, YAML::Node> volumes;
  for (const auto& volume : PodSpec()["volumes"]) {
    volumes.emplace(volume["name"].as<std::string>(), static_cast<const YAML::Node&>(volume));
  }
  std::map<std::string, YAML::Node> mounts;  // by mountPath
  for (const auto& mount : Container()["volumeMounts"]) {
    mounts.emplace(mount["mountPath"].as<std::string>(), static_cast<const YAML::Node&>(mount));
  }
  auto volume_at = [&](const std::string& path) -> YAML::Node {
    for (const auto& [mount_path, mount] : mounts) {
      if (IsUnder(path, mount_path)) return volumes.at(mount["name"].as<std::string>());
    }
    ADD_FAILURE() << "nothing is mounted at " << path;
    return YAML::Node();
  };

  // The image's ENTRYPOINT reads the config from the ConfigMap's key.
  const auto dockerfile = ParseDockerfile(ReadFile(DockerDir() / "Dockerfile"));
  const auto entrypoint = dockerfile.InStage(dockerfile.stages.size() - 1, "ENTRYPOINT");
  ASSERT_EQ(entrypoint.size(), 1u);
  const auto entry = YAML::Load(entrypoint[0].args);  // exec form is a JSON array
  const std::string config_path = entry[entry.size() - 1].as<std::string>();
  ASSERT_TRUE(mounts.count(config_path));
  const auto config_mount = mounts[config_path];
  const auto config_volume = volume_at(config_path);
  const auto config_map = config_volume["configMap"]["name"].as<std::string>();
  EXPECT_TRUE(
      FindObject("ConfigMap", config_map)["data"][config_mount["subPath"].as<std::string>()]);

  const auto config = DaemonConfig();
  const auto manifests_dir = config["manifests"][0].as<std::string>();
  EXPECT_EQ(volume_at(manifests_dir.substr(0, manifests_dir.size() - 1))["configMap"]["name"]
                .as<std::string>(),
            "portcullis-manifests");
  for (const char* key : {"cert", "key"}) {
    const auto path = config["listen"][0]["tls"][key].as<std::string>();
    EXPECT_EQ(volume_at(path)["secret"]["secretName"].as<std::string>(), "portcullis-tls");
  }
  EXPECT_TRUE(volume_at(config["store"]["path"].as<std::string>())["emptyDir"]);
  // The Secret name is what gen-webhook-certs.sh creates.
  EXPECT_NE(ReadFile(DockerDir() / "gen-webhook-certs.sh").find("readonly SECRET=portcullis-tls\n"),
            std::string::npos);
  for (const auto& [path, mount] : mounts) {
    if (path != "/var/lib/portcullis" && path != "/tmp") {
      EXPECT_TRUE(mount["readOnly"].as<bool>()) << path;
    }
  }
}

TEST(DockerDeployment, UsesItsOwnServiceAccountWithoutAToken) {
  const auto account = FindObject("ServiceAccount");
  EXPECT_EQ(PodSpec()["serviceAccountName"].as<std::string>(),
            account["metadata"]["name"].as<std::string>());
  EXPECT_FALSE(account["automountServiceAccountToken"].as<bool>());
  EXPECT_FALSE(PodSpec()["automountServiceAccountToken"].as<bool>());
}

TEST(DockerService, PortsMapToTheContainerPorts) {
  const auto service = FindObject("Service", "portcullis");
  std::map<std::string, std::pair<int, int>> ports;  // name -> (port, resolved target)
  for (const auto& port : service["spec"]["ports"]) {
    ports[port["name"].as<std::string>()] = {port["port"].as<int>(),
                                             ResolvePort(port["targetPort"])};
  }
  EXPECT_EQ(ports, (std::map<std::string, std::pair<int, int>>{{"https", {443, 8443}},
                                                               {"registry", {5000, 5000}}}));
}

TEST(DockerService, SelectorsMatchThePods) {
  const auto labels = FindObject("Deployment")["spec"]["template"]["metadata"]["labels"];
  const auto service_selector = FindObject("Service")["spec"]["selector"];
  const auto budget_selector = FindObject("PodDisruptionBudget")["spec"]["selector"]["matchLabels"];
  for (const auto& selector : {service_selector, budget_selector}) {
    ASSERT_GT(selector.size(), 0u);
    for (const auto& item : selector) {
      EXPECT_EQ(labels[item.first.as<std::string>()].as<std::string>(),
                item.second.as<std::string>());
    }
  }
  EXPECT_EQ(FindObject("PodDisruptionBudget")["spec"]["minAvailable"].as<int>(), 1);
}

}  // namespace
}  // namespace portcullis::docker_test
