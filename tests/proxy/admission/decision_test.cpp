// The pure decision: normalisation and grouping of images, how each judge
// outcome is taken at deploy time, digest pins, and the response body.
#include <gtest/gtest.h>

#include "proxy/admission/decision.h"
#include "proxy/admission/response.h"
#include "tests/proxy/admission/admission_test_support.h"

namespace portcullis::testing {
namespace {

using namespace proxy::admission;

const std::string kDigest = "sha256:" + std::string(64, 'a');
const std::string kOther = "sha256:" + std::string(64, 'b');

ContainerImage container(std::string image, std::string pointer = "/spec/containers/0/image",
                         std::string field = "spec.containers[0].image") {
  return ContainerImage{"containers", "c", std::move(image), std::move(pointer), std::move(field)};
}

TEST(PlanReview, NormalisesEveryFormOfReference) {
  const auto plan = plan_review({container("nginx"), container("localhost:5000/team/app:1.2"),
                                 container("registry.corp.example/apps/web:1.0@" + kDigest),
                                 container("quay.io/org/tool@" + kOther)});
  ASSERT_EQ(plan.images.size(), 4u);
  const auto& nginx = *plan.images[0].reference;
  EXPECT_EQ(nginx.registry, "docker.io");
  EXPECT_EQ(nginx.repository, "library/nginx");
  EXPECT_EQ(nginx.tag, "latest");
  EXPECT_EQ(nginx.digest, "");
  const auto& port = *plan.images[1].reference;
  EXPECT_EQ(port.registry, "localhost:5000");
  EXPECT_EQ(port.repository, "team/app");
  EXPECT_EQ(port.tag, "1.2");
  const auto& both = *plan.images[2].reference;
  EXPECT_EQ(both.tag, "1.0");
  EXPECT_EQ(both.digest, kDigest);
  const auto& digest_only = *plan.images[3].reference;
  EXPECT_EQ(digest_only.registry, "quay.io");
  EXPECT_EQ(digest_only.tag, "");
  EXPECT_EQ(digest_only.digest, kOther);

  const auto request =
      judge_request(port, std::string("payments"), std::chrono::steady_clock::time_point{});
  EXPECT_EQ(request.registry, "localhost:5000");
  EXPECT_EQ(request.repository, "team/app");
  EXPECT_EQ(request.tag, "1.2");
  EXPECT_EQ(request.stage, policy::Stage::Deploy);
  EXPECT_EQ(request.namespace_name, "payments");
  EXPECT_TRUE(request.deadline.has_value());
}

TEST(PlanReview, SpellingsOfOneImageAreJudgedOnce) {
  const auto plan = plan_review(
      {container("nginx", "/a", "a"), container("docker.io/library/nginx:latest", "/b", "b"),
       container("index.docker.io/library/nginx", "/c", "c"), container("nginx:1.25", "/d", "d")});
  ASSERT_EQ(plan.images.size(), 2u);
  EXPECT_EQ(plan.images[0].written, "nginx");
  EXPECT_EQ(plan.images[0].containers, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(plan.images[1].containers, (std::vector<size_t>{3}));
}

TEST(PlanReview, InvalidReferencesAreKeptWithTheirError) {
  const auto plan = plan_review({container("Not A Reference!")});
  ASSERT_EQ(plan.images.size(), 1u);
  EXPECT_FALSE(plan.images[0].reference);
  EXPECT_NE(plan.images[0].parse_error.find("invalid image reference \"Not A Reference!\""),
            std::string::npos)
      << plan.images[0].parse_error;
  const auto d = decide_image(invalid_reference(plan.images[0]));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denial, plan.images[0].parse_error);
}

TEST(PinnedImage, KeepsTheSpellingAndAddsTheDigest) {
  const auto pin = [](const std::string& written) {
    return pinned_image(written, *policy::parse_image_reference(written), kDigest);
  };
  EXPECT_EQ(pin("nginx:1.25"), "nginx:1.25@" + kDigest);
  EXPECT_EQ(pin("nginx"), "nginx:latest@" + kDigest);
  EXPECT_EQ(pin("localhost:5000/team/app"), "localhost:5000/team/app:latest@" + kDigest);
  EXPECT_EQ(pin("harbor.corp.example:8443/tools/migrate:2.1"),
            "harbor.corp.example:8443/tools/migrate:2.1@" + kDigest);
}

TEST(DecideImage, JudgedVerdicts) {
  auto ok = allowed_judgement("registry.corp.example/apps/web:1.0", kDigest, /*pin=*/true);
  ok.verdict.reasons = {reason("baseline", "images.allow", "not on the list", /*enforced=*/false)};
  auto d = decide_image(ok);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.pin);
  EXPECT_EQ(d.warnings,
            (std::vector<std::string>{"audit baseline (images.allow): not on the list"}));

  auto no_digest = ok;
  no_digest.digest.clear();
  EXPECT_FALSE(decide_image(no_digest).pin);

  const auto denied = denied_judgement("registry.corp.example/apps/web:1.0",
                                       {reason("pci-production", "content.deny/no-ssh-server",
                                               "no-ssh-server: /usr/sbin/sshd (openssh-server)")});
  d = decide_image(denied);
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.pin);
  EXPECT_EQ(d.denial,
            "image registry.corp.example/apps/web:1.0 is denied by policy: pci-production "
            "(content.deny/no-ssh-server): no-ssh-server: /usr/sbin/sshd (openssh-server)");
  EXPECT_EQ(d.denial, proxy::judge::denial_message(denied));
}

TEST(DecideImage, TimeoutsFollowTheFailurePolicy) {
  auto j = allowed_judgement("registry.corp.example/apps/web:1.0");
  j.outcome = Outcome::timed_out;
  j.error = "deadline passed";
  auto d = decide_image(j);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denial,
            "image registry.corp.example/apps/web:1.0 is still being assessed: deadline passed");

  j.verdict.failure_policy = policy::FailurePolicy::Ignore;
  d = decide_image(j);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.warnings,
            (std::vector<std::string>{
                "image registry.corp.example/apps/web:1.0 is still being assessed: deadline "
                "passed (allowed: failurePolicy is ignore)"}));

  j.outcome = Outcome::unavailable;
  j.error = "registry.corp.example did not answer";
  j.verdict.failure_policy = policy::FailurePolicy::Fail;
  d = decide_image(j);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(
      d.denial,
      "image registry.corp.example/apps/web:1.0 could not be assessed: registry.corp.example did "
      "not answer");

  // No manifest applies: nothing to enforce, nothing to warn about.
  Judgement none;
  none.outcome = Outcome::timed_out;
  none.image = "docker.io/library/nginx:latest";
  d = decide_image(none);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.warnings.empty());

  // The judge never answered: fail closed whatever would have applied.
  PlannedImage planned{"nginx", *policy::parse_image_reference("nginx"), "", {0}};
  d = decide_image(missed_deadline(planned, std::chrono::milliseconds(3000)));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denial,
            "image docker.io/library/nginx:latest is still being assessed: no verdict within the "
            "admission deadline of 3000 ms");
}

TEST(DecideImage, ReferenceDenialIsFinalWhateverElseFailed) {
  auto j = denied_judgement("docker.io/library/nginx:latest",
                            {reason("pci-production", "registries.deny", "docker.io is denied")});
  j.outcome = Outcome::unknown_registry;
  j.error = "no upstream serves docker.io";
  const auto d = decide_image(j);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(
      d.denial,
      "image docker.io/library/nginx:latest is denied by policy: pci-production (registries.deny): "
      "docker.io is denied");
}

TEST(DecideImage, UnknownRegistryAndNotFoundDenyOnlyWhenFactsAreNeeded) {
  auto j = allowed_judgement("quay.io/org/tool:1");
  j.outcome = Outcome::unknown_registry;
  j.error = "no configured upstream serves quay.io";
  EXPECT_TRUE(decide_image(j).allowed);  // reference rules were all that applied
  j.verdict.needs.content = true;
  auto d = decide_image(j);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.denial,
            "image quay.io/org/tool:1 cannot be verified: no configured upstream serves quay.io");
  j.outcome = Outcome::not_found;
  j.error = "manifest unknown";
  EXPECT_EQ(decide_image(j).denial, "image quay.io/org/tool:1 was not found: manifest unknown");
}

TEST(DecideReview, ValidateDeniesEveryDeniedImageWithItsContainers) {
  const auto plan = plan_review(
      {container("registry.corp.example/apps/web:1.0", "/spec/containers/0/image",
                 "spec.containers[0].image"),
       container("nginx", "/spec/containers/1/image", "spec.containers[1].image"),
       container("nginx:latest", "/spec/initContainers/0/image", "spec.initContainers[0].image")});
  ASSERT_EQ(plan.images.size(), 2u);
  auto web = allowed_judgement("registry.corp.example/apps/web:1.0", kDigest);
  web.verdict.reasons = {reason("baseline", "images.allow", "not listed", false)};
  const auto nginx_denied =
      denied_judgement("docker.io/library/nginx:latest",
                       {reason("pci-production", "registries.deny", "docker.io is denied")});
  const auto d = decide_review(plan, {web, nginx_denied}, Webhook::validate);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.patch.empty());
  ASSERT_EQ(d.denials.size(), 1u);
  EXPECT_EQ(d.denials[0],
            "image docker.io/library/nginx:latest is denied by policy: pci-production "
            "(registries.deny): docker.io "
            "is denied");
  EXPECT_EQ(d.causes, Json::parse(R"([
    {"reason":"FieldValueForbidden","field":"spec.containers[1].image","message":")" +
                                  d.denials[0] + R"("},
    {"reason":"FieldValueForbidden","field":"spec.initContainers[0].image","message":")" +
                                  d.denials[0] + R"("}])"));
  EXPECT_EQ(d.warnings, (std::vector<std::string>{"audit baseline (images.allow): not listed"}));
}

TEST(DecideReview, MutatePinsAllowedImagesAndNeverDenies) {
  const auto plan = plan_review(
      {container("registry.corp.example/apps/web:1.0", "/spec/containers/0/image",
                 "spec.containers[0].image"),
       container("nginx", "/spec/containers/1/image", "spec.containers[1].image"),
       container("nginx:latest", "/spec/initContainers/0/image", "spec.initContainers[0].image"),
       container("quay.io/org/tool@" + kDigest, "/spec/containers/2/image",
                 "spec.containers[2].image")});
  const auto web = allowed_judgement("registry.corp.example/apps/web:1.0", kDigest, /*pin=*/true);
  const auto nginx = allowed_judgement("docker.io/library/nginx:latest", kOther, true);
  const auto tool = allowed_judgement("quay.io/org/tool@" + kDigest, kDigest, true);
  auto both = decide_review(plan, {web, nginx, tool}, Webhook::mutate);
  EXPECT_TRUE(both.allowed);
  EXPECT_TRUE(both.warnings.empty());
  // By digest already: not patched.
  EXPECT_EQ(both.patch, Json::parse(R"([
    {"op":"replace","path":"/spec/containers/0/image","value":"registry.corp.example/apps/web:1.0@)" +
                                    kDigest + R"("},
    {"op":"replace","path":"/spec/containers/1/image","value":"nginx:latest@)" +
                                    kOther + R"("},
    {"op":"replace","path":"/spec/initContainers/0/image","value":"nginx:latest@)" +
                                    kOther + R"("}])"));

  // A denied image is left to the validating webhook: mutate still allows and pins the rest.
  const auto nginx_denied =
      denied_judgement("docker.io/library/nginx:latest",
                       {reason("pci-production", "registries.deny", "docker.io is denied")});
  auto d = decide_review(plan, {web, nginx_denied, tool}, Webhook::mutate);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.denials.empty());
  EXPECT_EQ(d.patch.size(), 1u);
  EXPECT_EQ(d.patch[0]["path"], "/spec/containers/0/image");

  // Validate warns when an image a pinDigests manifest covers arrives unpinned.
  const auto v = decide_review(plan, {web, nginx, tool}, Webhook::validate);
  EXPECT_TRUE(v.allowed);
  EXPECT_TRUE(v.patch.empty());
  EXPECT_EQ(v.warnings, (std::vector<std::string>{"image registry.corp.example/apps/web:1.0 is not "
                                                  "pinned to a digest although a manifest asks for "
                                                  "pinDigests (the mutating webhook pins it)",
                                                  "image docker.io/library/nginx:latest is not "
                                                  "pinned to a digest although a manifest asks for "
                                                  "pinDigests (the mutating webhook pins it)"}));
}

TEST(Response, AllowedDeniedAndPatchedBodies) {
  AdmissionRequest request;
  request.api_version = "admission.k8s.io/v1beta1";
  request.uid = "u-1";
  ReviewDecision allow;
  EXPECT_EQ(Json::parse(review_response(request, allow)),
            Json::parse(R"({"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview",
                            "response":{"uid":"u-1","allowed":true}})"));

  ReviewDecision deny;
  deny.allowed = false;
  deny.denials = {"image a is denied by policy: x", "image b was not found: y"};
  deny.warnings = {"audit m (r): w"};
  const auto body = Json::parse(review_response(request, deny));
  EXPECT_EQ(body["response"]["allowed"], false);
  EXPECT_EQ(body["response"]["status"]["code"], 403);
  EXPECT_EQ(body["response"]["status"]["reason"], "Forbidden");
  EXPECT_EQ(body["response"]["status"]["message"],
            "image a is denied by policy: x\nimage b was not found: y");
  EXPECT_EQ(body["response"]["warnings"], Json::parse(R"(["audit m (r): w"])"));
  EXPECT_FALSE(body["response"].contains("patch"));

  ReviewDecision pinned;
  pinned.patch =
      Json::parse(R"([{"op":"replace","path":"/spec/containers/0/image","value":"x@sha256:1"}])");
  const auto patched = Json::parse(review_response(request, pinned));
  EXPECT_EQ(patched["response"]["patchType"], "JSONPatch");
  EXPECT_EQ(Json::parse(base64_decode(patched["response"]["patch"])), pinned.patch);

  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("a"), "YQ==");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_encode("abc"), "YWJj");
  // Bytes that are not UTF-8 (from an image name) never make the response throw.
  ReviewDecision odd;
  odd.allowed = false;
  odd.denials = {"image \xff\xfe is denied"};
  EXPECT_NO_THROW(Json::parse(review_response(request, odd)));
}

}  // namespace
}  // namespace portcullis::testing
