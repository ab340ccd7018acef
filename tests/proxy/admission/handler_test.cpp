// AdmissionHandler::answer() over the fixtures with a scripted judge: the
// response field by field, the JSON Patch applied to the object, which images
// reach the judge (UPDATE, exempt namespaces), concurrency and the deadline.
#include <gtest/gtest.h>

#include "tests/proxy/admission/admission_test_support.h"

namespace portcullis::testing {
namespace {

using namespace proxy::admission;
using namespace std::chrono_literals;

const std::string kWebDigest = "sha256:" + std::string(64, 'a');
const std::string kNginxDigest = "sha256:" + std::string(64, 'b');
const std::string kMigrateDigest = "sha256:" + std::string(64, 'c');
constexpr const char* kWeb = "registry.corp.example/apps/web:1.0";
constexpr const char* kNginx = "docker.io/library/nginx:latest";
constexpr const char* kMigrate = "harbor.corp.example:8443/tools/migrate:2.1";

class AdmissionAnswerTest : public ::testing::Test {
 protected:
  AdmissionHandler& handler(std::chrono::milliseconds deadline = 3000ms,
                            std::vector<std::string> exempt = {"kube-system",
                                                               "portcullis-system"}) {
    config::DaemonConfig config;
    config.admission.deadline = deadline;
    config.admission.exempt_namespaces = std::move(exempt);
    handler_ = std::make_unique<AdmissionHandler>(judge_, config);
    return *handler_;
  }
  Json review(const std::string& fixture_name, bool mutate = false) {
    auto a = runner_.answer(handler_ ? *handler_ : handler(), fixture_text(fixture_name), mutate);
    EXPECT_EQ(a.status, 200u) << a.body;
    return Json::parse(a.body);
  }

  FakeJudge judge_;
  std::unique_ptr<AdmissionHandler> handler_;
  AnswerRunner runner_;
};

TEST_F(AdmissionAnswerTest, AllowedPodEchoesUidAndApiVersionAndAsksAboutEveryImage) {
  const auto started = std::chrono::steady_clock::now();
  const auto r = review("pod-create-v1.json");
  EXPECT_EQ(r, Json::parse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
      "response":{"uid":"9e1c3a52-6f0b-4b7e-a5f3-2f8f6c1d0a11","allowed":true}})"));
  const auto calls = judge_.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(judge_.call_refs(), (std::vector<std::string>{kNginx, kMigrate, kWeb}));
  for (const auto& c : calls) {
    EXPECT_EQ(c.stage, policy::Stage::Deploy);
    EXPECT_EQ(c.namespace_name, "payments");
    ASSERT_TRUE(c.deadline);
    EXPECT_GE(*c.deadline, started + 3000ms);
    EXPECT_LE(*c.deadline, std::chrono::steady_clock::now() + 3000ms);
  }
  EXPECT_EQ(handler_->stats().allowed.load(), 1u);
  EXPECT_EQ(handler_->stats().judge_calls.load(), 3u);
}

TEST_F(AdmissionAnswerTest, V1beta1IsAnsweredInV1beta1AndDigestsReachTheJudge) {
  const auto r = review("pod-create-v1beta1.json");
  EXPECT_EQ(r["apiVersion"], "admission.k8s.io/v1beta1");
  EXPECT_EQ(r["kind"], "AdmissionReview");
  EXPECT_EQ(r["response"]["uid"], "2b7d4f10-93a4-4c1e-8d55-0c3f9b6a7e21");
  EXPECT_EQ(r["response"]["allowed"], true);
  const auto calls = judge_.calls();
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.registry, "registry.corp.example");
    if (c.repository == "apps/api") {
      EXPECT_EQ(c.tag, "");  // by digest only
      EXPECT_EQ(c.digest,
                "sha256:497c93d5c290e48ed7cc13c65e1ecd4e9ad94d03814474c1a103e54f181f5af3");
    } else {
      EXPECT_EQ(c.repository, "apps/web");
      EXPECT_EQ(c.tag, "1.0");  // tag and digest
      EXPECT_EQ(c.digest,
                "sha256:64bca1d7b8f51062deac70d72dcf9a0801126b2c62dcc3986efbaf1b9fff63e7");
    }
  }
}

struct KindCase {
  std::string fixture;
  std::vector<std::string> refs;  // sorted
};

TEST_F(AdmissionAnswerTest, EveryWorkloadKindIsInspected) {
  const std::vector<KindCase> cases = {
      {"deployment-create-v1.json",
       {"quay.io/prometheus/statsd-exporter:v0.26.0", "registry.corp.example/apps/web:1.0",
        "registry.corp.example/tools/wait-for:3"}},
      {"replicaset-create-v1.json",
       {"quay.io/prometheus/statsd-exporter:v0.26.0", "registry.corp.example/apps/web:1.0"}},
      {"statefulset-create-v1.json",
       {"docker.io/library/busybox:latest", "docker.io/library/postgres:16.1"}},
      {"daemonset-create-v1.json", {"quay.io/prometheus/node-exporter:v1.7.0"}},
      {"job-create-v1.json", {"registry.corp.example/tools/migrate:2.1"}},
      {"cronjob-create-v1.json",
       {"docker.io/curlimages/curl:8.5.0", "registry.corp.example/apps/report:4.2.0"}},
      {"replicationcontroller-create-v1.json", {"registry.corp.example/apps/frontend:0.9"}},
  };
  for (const auto& c : cases) {
    FakeJudge judge;
    config::DaemonConfig config;
    AdmissionHandler h(judge, config);
    const auto a = runner_.answer(h, fixture_text(c.fixture));
    EXPECT_EQ(a.status, 200u) << c.fixture;
    EXPECT_EQ(Json::parse(a.body)["response"]["allowed"], true) << c.fixture;
    EXPECT_EQ(judge.call_refs(), c.refs) << c.fixture;
  }
}

TEST_F(AdmissionAnswerTest, DenialListsEveryDeniedImageWithThePullTimeReason) {
  judge_.script(
      kWeb, denied_judgement(kWeb, {reason("pci-production", "content.deny/no-ssh-server",
                                           "no-ssh-server: /usr/sbin/sshd (openssh-server)"),
                                    reason("pci-production", "signatures", "no valid signature")}));
  judge_.script(kNginx, denied_judgement(kNginx, {reason("pci-production", "registries.deny",
                                                         "registry docker.io is denied")}));
  auto audited = allowed_judgement(kMigrate);
  audited.verdict.reasons = {
      reason("baseline", "vulnerabilities", "CVE-2023-0464 (medium)", false)};
  judge_.script(kMigrate, audited);

  const auto r = review("pod-create-v1.json");
  const auto& response = r["response"];
  EXPECT_EQ(response["uid"], "9e1c3a52-6f0b-4b7e-a5f3-2f8f6c1d0a11");
  EXPECT_EQ(response["allowed"], false);
  EXPECT_EQ(response["status"]["code"], 403);
  EXPECT_EQ(response["status"]["reason"], "Forbidden");
  EXPECT_EQ(
      response["status"]["message"],
      "image registry.corp.example/apps/web:1.0 is denied by policy: pci-production "
      "(content.deny/no-ssh-server): no-ssh-server: /usr/sbin/sshd (openssh-server); "
      "pci-production "
      "(signatures): no valid signature\n"
      "image docker.io/library/nginx:latest is denied by policy: pci-production (registries.deny): "
      "registry docker.io is denied");
  const auto& causes = response["status"]["details"]["causes"];
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0]["field"], "spec.containers[0].image");
  EXPECT_EQ(causes[0]["reason"], "FieldValueForbidden");
  EXPECT_EQ(causes[1]["field"], "spec.containers[1].image");
  // The same sentence the proxy gives at pull time.
  EXPECT_EQ(
      causes[1]["message"],
      proxy::judge::denial_message(denied_judgement(
          kNginx, {reason("pci-production", "registries.deny", "registry docker.io is denied")})));
  EXPECT_EQ(response["warnings"],
            Json::parse(R"j(["audit baseline (vulnerabilities): CVE-2023-0464 (medium)"])j"));
  EXPECT_FALSE(response.contains("patch"));
  EXPECT_EQ(handler_->stats().denied.load(), 1u);
}

TEST_F(AdmissionAnswerTest, MutatePinsTaggedImagesAndThePatchApplies) {
  judge_.script(kWeb, allowed_judgement(kWeb, kWebDigest, /*pin=*/true));
  judge_.script(kNginx, allowed_judgement(kNginx, kNginxDigest, true));
  judge_.script(kMigrate, allowed_judgement(kMigrate, kMigrateDigest, false));  // not asked to pin

  const auto request = fixture("pod-create-v1.json");
  const auto r = review("pod-create-v1.json", /*mutate=*/true);
  EXPECT_EQ(r["response"]["allowed"], true);
  EXPECT_EQ(r["response"]["patchType"], "JSONPatch");
  const auto patched = patched_object(request, r);
  EXPECT_EQ(patched["spec"]["containers"][0]["image"], std::string(kWeb) + "@" + kWebDigest);
  EXPECT_EQ(patched["spec"]["containers"][1]["image"], "nginx:latest@" + kNginxDigest);
  EXPECT_EQ(patched["spec"]["initContainers"][0]["image"], kMigrate);
  // Nothing else in the object changed.
  auto expected = request["request"]["object"];
  expected["spec"]["containers"][0]["image"] = std::string(kWeb) + "@" + kWebDigest;
  expected["spec"]["containers"][1]["image"] = "nginx:latest@" + kNginxDigest;
  EXPECT_EQ(patched, expected);
  EXPECT_EQ(handler_->stats().pinned.load(), 2u);

  // The validating endpoint never patches; it notes the images that arrive unpinned.
  const auto v = review("pod-create-v1.json", /*mutate=*/false);
  EXPECT_FALSE(v["response"].contains("patch"));
  EXPECT_FALSE(v["response"].contains("patchType"));
  EXPECT_EQ(v["response"]["warnings"].size(), 2u) << v.dump();
  // After the patch, the validating webhook sees tag and digest: nothing to note.
  auto pinned_review = request;
  pinned_review["request"]["object"] = patched;
  judge_.script(std::string(kWeb) + "@" + kWebDigest, allowed_judgement(kWeb, kWebDigest, true));
  judge_.script(std::string(kNginx) + "@" + kNginxDigest,
                allowed_judgement(kNginx, kNginxDigest, true));
  const auto after = Json::parse(runner_.answer(*handler_, pinned_review.dump(), false).body);
  EXPECT_EQ(after["response"]["allowed"], true);
  EXPECT_FALSE(after["response"].contains("warnings")) << after.dump();
}

TEST_F(AdmissionAnswerTest, MutateLeavesDenialsAndWarningsToValidate) {
  judge_.script(kWeb, allowed_judgement(kWeb, kWebDigest, /*pin=*/true));
  auto nginx = denied_judgement(
      kNginx, {reason("pci-production", "registries.deny", "docker.io is denied")});
  nginx.verdict.reasons.push_back(reason("baseline", "vulnerabilities", "CVE-1 (low)", false));
  judge_.script(kNginx, nginx);
  const auto m = review("pod-create-v1.json", /*mutate=*/true);
  EXPECT_EQ(m["response"]["allowed"], true);
  EXPECT_FALSE(m["response"].contains("status"));
  EXPECT_FALSE(m["response"].contains("warnings"));
  const auto patched = patched_object(fixture("pod-create-v1.json"), m);
  EXPECT_EQ(patched["spec"]["containers"][0]["image"], std::string(kWeb) + "@" + kWebDigest);
  EXPECT_EQ(patched["spec"]["containers"][1]["image"], "nginx");

  const auto v = review("pod-create-v1.json", /*mutate=*/false);
  EXPECT_EQ(v["response"]["allowed"], false);
  EXPECT_EQ(
      v["response"]["warnings"],
      Json::array({"image registry.corp.example/apps/web:1.0 is not pinned to a digest although a "
                   "manifest asks for pinDigests (the mutating webhook pins it)",
                   "audit baseline (vulnerabilities): CVE-1 (low)"}));
}

TEST_F(AdmissionAnswerTest, PinPatchesReachIntoCronJobTemplatesAndSkipDigestImages) {
  const std::string report = "registry.corp.example/apps/report:4.2.0";
  const std::string curl = "docker.io/curlimages/curl:8.5.0";
  judge_.script(report, allowed_judgement(report, kWebDigest, true));
  judge_.script(curl, allowed_judgement(curl, kNginxDigest, true));
  const auto r = review("cronjob-create-v1.json", true);
  const auto patched = patched_object(fixture("cronjob-create-v1.json"), r);
  const auto& spec = patched["spec"]["jobTemplate"]["spec"]["template"]["spec"];
  EXPECT_EQ(spec["containers"][0]["image"], report + "@" + kWebDigest);
  EXPECT_EQ(spec["initContainers"][0]["image"], "curlimages/curl:8.5.0@" + kNginxDigest);

  // Images given by digest are pinned already: no patch.
  judge_.script(
      "registry.corp.example/apps/"
      "web:1.0@sha256:64bca1d7b8f51062deac70d72dcf9a0801126b2c62dcc3986efbaf1b9fff63e7",
      allowed_judgement(kWeb, kWebDigest, true));
  const auto digests = review("pod-create-v1beta1.json", true);
  EXPECT_EQ(digests["response"]["allowed"], true);
  EXPECT_FALSE(digests["response"].contains("patch"));
}

TEST_F(AdmissionAnswerTest, SameImageTwiceIsJudgedOnceAndPinnedInBothPlaces) {
  auto doc = fixture("pod-create-v1.json");
  doc["request"]["object"]["spec"]["initContainers"][0]["image"] = "docker.io/library/nginx";
  judge_.script(kNginx, allowed_judgement(kNginx, kNginxDigest, true));
  const auto a = runner_.answer(handler(), doc.dump(), true);
  const auto r = Json::parse(a.body);
  EXPECT_EQ(judge_.call_refs(), (std::vector<std::string>{kNginx, kWeb}));
  const auto patched = patched_object(doc, r);
  EXPECT_EQ(patched["spec"]["containers"][1]["image"], "nginx:latest@" + kNginxDigest);
  EXPECT_EQ(patched["spec"]["initContainers"][0]["image"],
            "docker.io/library/nginx:latest@" + kNginxDigest);
}

TEST_F(AdmissionAnswerTest, UpdateJudgesOnlyChangedImages) {
  const auto r = review("deployment-update-v1.json");
  EXPECT_EQ(r["response"]["allowed"], true);
  EXPECT_EQ(judge_.call_refs(), (std::vector<std::string>{"registry.corp.example/apps/web:1.1"}));

  const auto scaled = review("deployment-scale-v1.json");
  EXPECT_EQ(scaled["response"]["allowed"], true);
  EXPECT_EQ(scaled["response"]["uid"], "f1a3c5e7-9b1d-4f3a-8c5e-7a9c1e3b5d7f");
  EXPECT_EQ(judge_.calls().size(), 1u);  // no new call
  EXPECT_EQ(handler_->stats().without_lookups.load(), 1u);
}

TEST_F(AdmissionAnswerTest, EphemeralContainersAreJudgedOnTheSubresource) {
  const std::string busybox = "docker.io/library/busybox:1.36";
  judge_.script(
      busybox,
      denied_judgement(busybox, {reason("no-debug", "images.deny", "debug images are denied")}));
  const auto r = review("pod-ephemeralcontainers-v1.json");
  EXPECT_EQ(judge_.call_refs(), (std::vector<std::string>{busybox}));
  EXPECT_EQ(r["response"]["allowed"], false);
  EXPECT_EQ(r["response"]["status"]["details"]["causes"][0]["field"],
            "spec.ephemeralContainers[0].image");

  const auto legacy = review("ephemeralcontainers-legacy-v1beta1.json");
  EXPECT_EQ(legacy["apiVersion"], "admission.k8s.io/v1beta1");
  EXPECT_EQ(legacy["response"]["allowed"], false);
  EXPECT_EQ(legacy["response"]["status"]["details"]["causes"][0]["field"],
            "ephemeralContainers[0].image");
}

TEST_F(AdmissionAnswerTest, ExemptNamespacesAndOtherOperationsAskNothing) {
  const auto system = review("pod-kube-system-v1.json");
  EXPECT_EQ(system["response"]["allowed"], true);
  EXPECT_EQ(system["response"]["uid"], "5f7a9c1e-3b5d-4d7f-e9a1-c3e5b7d9f1a3");
  const auto deleted = review("pod-delete-v1.json");
  EXPECT_EQ(deleted["response"]["allowed"], true);
  EXPECT_TRUE(judge_.calls().empty());

  // The exempt list comes from the config: payments exempt, kube-system not.
  handler(3000ms, {"payments"});
  EXPECT_EQ(review("pod-create-v1.json")["response"]["allowed"], true);
  EXPECT_TRUE(judge_.calls().empty());
  review("pod-kube-system-v1.json");
  EXPECT_EQ(judge_.call_refs(),
            (std::vector<std::string>{"registry.k8s.io/coredns/coredns:v1.10.1"}));
}

TEST_F(AdmissionAnswerTest, ImagesAreJudgedConcurrently) {
  // Three images, each 300 ms: sequentially 900 ms, concurrently ~300 ms.
  judge_.script(kWeb, allowed_judgement(kWeb), 300ms);
  judge_.script(kNginx, allowed_judgement(kNginx), 300ms);
  judge_.script(kMigrate, allowed_judgement(kMigrate), 300ms);
  handler();
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = review("pod-create-v1.json");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r["response"]["allowed"], true);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 600ms);
}

TEST_F(AdmissionAnswerTest, FailClosedManifestDeniesAtTheDeadline) {
  judge_.script(kWeb, allowed_judgement(kWeb), 10s);  // honours the deadline: timed_out at 250 ms
  handler(250ms);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = review("pod-create-v1.json");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(r["response"]["allowed"], false);
  EXPECT_EQ(
      r["response"]["status"]["message"],
      "image registry.corp.example/apps/web:1.0 is still being assessed: the deadline passed while "
      "the image was assessed");
}

TEST_F(AdmissionAnswerTest, FailOpenManifestAllowsWithAWarning) {
  auto ignore = allowed_judgement(kWeb);
  ignore.verdict.failure_policy = policy::FailurePolicy::Ignore;
  judge_.script(kWeb, ignore, 10s);
  handler(250ms);
  const auto r = review("pod-create-v1.json");
  EXPECT_EQ(r["response"]["allowed"], true);
  EXPECT_EQ(
      r["response"]["warnings"],
      Json::parse(
          R"j(["image registry.corp.example/apps/web:1.0 is still being assessed: the deadline )j"
          R"j(passed while the image was assessed (allowed: failurePolicy is ignore)"])j"));
}

TEST_F(AdmissionAnswerTest, AJudgeThatIgnoresTheDeadlineIsCutOffFailClosed) {
  judge_.script(kWeb, allowed_judgement(kWeb), 5s, /*honour_deadline=*/false);
  handler(200ms);
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = review("pod-create-v1.json");
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 1000ms);  // deadline + grace, not the judge's 5 s
  EXPECT_EQ(r["response"]["allowed"], false);
  EXPECT_EQ(
      r["response"]["status"]["message"],
      "image registry.corp.example/apps/web:1.0 is still being assessed: no verdict within the "
      "admission deadline of 200 ms");
  EXPECT_EQ(handler_->stats().deadline_misses.load(), 1u);
}

TEST_F(AdmissionAnswerTest, InvalidImageReferenceIsDeniedWithoutAJudgeCall) {
  auto doc = fixture("pod-create-v1.json");
  doc["request"]["object"]["spec"]["containers"][1]["image"] = "NGINX:LATEST!";
  const auto a = runner_.answer(handler(), doc.dump());
  const auto r = Json::parse(a.body);
  EXPECT_EQ(r["response"]["allowed"], false);
  const std::string message = r["response"]["status"]["message"];
  EXPECT_EQ(message.rfind("invalid image reference \"NGINX:LATEST!\"", 0), 0u) << message;
  EXPECT_EQ(judge_.call_refs(), (std::vector<std::string>{kMigrate, kWeb}));
}

TEST_F(AdmissionAnswerTest, MalformedReviewsGet400AndMalformedObjectsAreDenied) {
  handler();
  for (const char* name :
       {"malformed-truncated.json", "malformed-no-uid.json", "malformed-api-version.json"}) {
    const auto a = runner_.answer(*handler_, fixture_text(name));
    EXPECT_EQ(a.status, 400u) << name;
    const auto body = Json::parse(a.body);
    EXPECT_EQ(body["kind"], "Status") << name;
    EXPECT_EQ(body["status"], "Failure");
    EXPECT_EQ(body["code"], 400);
    EXPECT_EQ(body["reason"], "BadRequest");
    EXPECT_EQ(body["message"].get<std::string>().rfind("malformed AdmissionReview: ", 0), 0u)
        << body;
  }
  const auto bad = runner_.answer(*handler_, fixture_text("malformed-containers-not-a-list.json"));
  EXPECT_EQ(bad.status, 200u);
  EXPECT_EQ(Json::parse(bad.body),
            Json::parse(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",
      "response":{"uid":"0e2a4c6e-8a0c-4e2a-c4e6-a8c0e2a4c6e8","allowed":false,
      "status":{"code":400,"reason":"BadRequest","message":"Portcullis cannot read the Pod: spec.containers must be a list"}}})"));
  EXPECT_TRUE(judge_.calls().empty());
  EXPECT_EQ(handler_->stats().malformed.load(), 4u);
}

TEST_F(AdmissionAnswerTest, TooManyDistinctImagesAreRefused) {
  auto doc = fixture("pod-create-v1.json");
  auto& spec = doc["request"]["object"]["spec"];
  int n = 0;
  for (const char* list : {"containers", "initContainers"}) {
    spec[list] = Json::array();
    for (int i = 0; i < 150; ++i, ++n)
      spec[list].push_back({{"name", "c" + std::to_string(n)},
                            {"image", "registry.corp.example/app:" + std::to_string(n)}});
  }
  const auto a = runner_.answer(handler(), doc.dump());
  const auto r = Json::parse(a.body);
  EXPECT_EQ(r["response"]["allowed"], false);
  EXPECT_EQ(r["response"]["status"]["message"],
            "Portcullis cannot read the Pod: more than 256 distinct images");
  EXPECT_TRUE(judge_.calls().empty());
}

}  // namespace
}  // namespace portcullis::testing
