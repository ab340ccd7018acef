// The two webhook configurations: what the API server sends, to where, with what time budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "tests/docker/docker_assets.h"

namespace portcullis::docker_test {
namespace {

struct WebhookCase {
  std::string kind;
  std::string path;
  friend void PrintTo(const WebhookCase& c, std::ostream* os) { *os << c.kind << " " << c.path; }
};

class WebhookConfigTest : public testing::TestWithParam<WebhookCase> {
 protected:
  YAML::Node Config() const { return FindObject(GetParam().kind, "portcullis"); }
};

TEST_P(WebhookConfigTest, HasOneWebhookWithTheSafetySettings) {
  const auto config = Config();
  EXPECT_EQ(config["apiVersion"].as<std::string>(), "admissionregistration.k8s.io/v1");
  ASSERT_EQ(config["webhooks"].size(), 1u);
  const auto webhook = config["webhooks"][0];
  const auto name = webhook["name"].as<std::string>();
  EXPECT_EQ(std::count(name.begin(), name.end(), '.'), 2)
      << "the API server requires a fully qualified webhook name";
  EXPECT_EQ(webhook["sideEffects"].as<std::string>(), "None");
  EXPECT_EQ(webhook["failurePolicy"].as<std::string>(), "Fail");
  const auto versions = StringSet(webhook["admissionReviewVersions"]);
  EXPECT_EQ(versions, (std::set<std::string>{"v1", "v1beta1"}));
  EXPECT_EQ(webhook["admissionReviewVersions"][0].as<std::string>(), "v1") << "v1 preferred";
}

TEST_P(WebhookConfigTest, TimeoutIsAboveTheDaemonDeadlineAndAtMostTen) {
  const auto webhook = Config()["webhooks"][0];
  const int timeout_seconds = webhook["timeoutSeconds"].as<int>();
  const auto deadline = ParseDuration(DaemonConfig()["admission"]["deadline"].as<std::string>());
  EXPECT_LE(timeout_seconds, 10);
  EXPECT_GT(std::chrono::seconds(timeout_seconds), deadline)
      << "Portcullis must answer (fail closed, with reasons) before the API server gives up";
}

TEST_P(WebhookConfigTest, ExcludesExactlyTheExemptNamespaces) {
  const auto selector = Config()["webhooks"][0]["namespaceSelector"];
  EXPECT_FALSE(selector["matchLabels"]);
  ASSERT_EQ(selector["matchExpressions"].size(), 1u);
  const auto expression = selector["matchExpressions"][0];
  EXPECT_EQ(expression["key"].as<std::string>(), "kubernetes.io/metadata.name");
  EXPECT_EQ(expression["operator"].as<std::string>(), "NotIn");
  const auto excluded = StringSet(expression["values"]);
  EXPECT_TRUE(excluded.count("kube-system"));
  EXPECT_TRUE(excluded.count("portcullis-system"));
  EXPECT_EQ(excluded, StringSet(DaemonConfig()["admission"]["exemptNamespaces"]))
      << "the webhook's exclusions and the daemon's exemptNamespaces must agree";
}

TEST_P(WebhookConfigTest, RulesCoverEveryPodCarryingKindOnCreateAndUpdate) {
  // (group, version, resource) for Pods (with the subresource `kubectl debug` uses to add
  // ephemeral containers) and every workload with a pod template.
  using Gvr = std::tuple<std::string, std::string, std::string>;
  const std::set<Gvr> expected = {
      {"", "v1", "pods"},
      {"", "v1", "pods/ephemeralcontainers"},
      {"", "v1", "replicationcontrollers"},
      {"apps", "v1", "deployments"},
      {"apps", "v1", "replicasets"},
      {"apps", "v1", "statefulsets"},
      {"apps", "v1", "daemonsets"},
      {"batch", "v1", "jobs"},
      {"batch", "v1", "cronjobs"},
  };
  std::set<Gvr> covered;
  for (const auto& rule : Config()["webhooks"][0]["rules"]) {
    const auto operations = StringSet(rule["operations"]);
    EXPECT_TRUE(operations.count("CREATE") && operations.count("UPDATE"));
    EXPECT_FALSE(operations.count("*") || operations.count("DELETE") || operations.count("CONNECT"))
        << "only CREATE and UPDATE carry images to judge";
    for (const auto& group : rule["apiGroups"]) {
      for (const auto& version : rule["apiVersions"]) {
        for (const auto& resource : rule["resources"]) {
          covered.insert(
              {group.as<std::string>(), version.as<std::string>(), resource.as<std::string>()});
        }
      }
    }
  }
  EXPECT_EQ(covered, expected);
}

TEST_P(WebhookConfigTest, CallsTheServiceOnItsTlsPortAtTheRightPath) {
  const auto client = Config()["webhooks"][0]["clientConfig"];
  EXPECT_FALSE(client["url"]) << "the API server reaches Portcullis through its Service";
  const auto service = FindObject("Service", "portcullis");
  EXPECT_EQ(client["service"]["name"].as<std::string>(), "portcullis");
  EXPECT_EQ(client["service"]["namespace"].as<std::string>(),
            service["metadata"]["namespace"].as<std::string>());
  EXPECT_EQ(client["service"]["path"].as<std::string>(), GetParam().path);
  const int port = client["service"]["port"].as<int>();
  bool found = false;
  for (const auto& service_port : service["spec"]["ports"]) {
    if (service_port["port"].as<int>() != port) continue;
    found = true;
    EXPECT_EQ(service_port["name"].as<std::string>(), "https");
  }
  EXPECT_TRUE(found) << "the Service has no port " << port;
  EXPECT_TRUE(ListenerHasTls(DaemonConfig(), 8443));
}

TEST_P(WebhookConfigTest, CaBundleIsThePlaceholderTheScriptFills) {
  // Not valid base64, so the API server rejects the unfilled base instead of installing a
  // fail-closed webhook it cannot verify.
  const auto bundle = Config()["webhooks"][0]["clientConfig"]["caBundle"].as<std::string>();
  EXPECT_EQ(bundle, "PORTCULLIS_CA_BUNDLE");
  EXPECT_THROW(Base64Decode(bundle), std::invalid_argument);
}

INSTANTIATE_TEST_SUITE_P(
    Webhooks, WebhookConfigTest,
    testing::Values(WebhookCase{"ValidatingWebhookConfiguration", "/admission/validate"},
                    WebhookCase{"MutatingWebhookConfiguration", "/admission/mutate"}),
    [](const testing::TestParamInfo<WebhookCase>& info) {
      return info.param.kind.substr(0, info.param.kind.find("Webhook"));
    });

TEST(MutatingWebhook, IsReinvokedWhenAnotherWebhookChangesImages) {
  const auto webhook = FindObject("MutatingWebhookConfiguration")["webhooks"][0];
  EXPECT_EQ(webhook["reinvocationPolicy"].as<std::string>(), "IfNeeded");
}

}  // namespace
}  // namespace portcullis::docker_test
