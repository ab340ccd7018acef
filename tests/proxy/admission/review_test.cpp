// AdmissionReview parsing and pod-spec extraction over fixtures shaped as an
// API server sends them, and over malformed input.
#include <gtest/gtest.h>

#include "proxy/admission/pod_spec.h"
#include "proxy/admission/review.h"
#include "tests/proxy/admission/admission_test_support.h"

namespace portcullis::testing {
namespace {

using namespace proxy::admission;

AdmissionRequest parse_fixture(const std::string& name) {
  auto r = parse_review(fixture_text(name), ReviewLimits{});
  EXPECT_TRUE(r.ok()) << name << ": " << r.error();
  return r.ok() ? *r : AdmissionRequest{};
}

std::string parse_error(std::string_view body, ReviewLimits limits = {}) {
  auto r = parse_review(body, limits);
  return r.ok() ? "<parsed>" : r.error();
}

TEST(AdmissionReview, V1PodCreate) {
  const auto r = parse_fixture("pod-create-v1.json");
  EXPECT_EQ(r.api_version, "admission.k8s.io/v1");
  EXPECT_EQ(r.uid, "9e1c3a52-6f0b-4b7e-a5f3-2f8f6c1d0a11");
  EXPECT_EQ(r.kind, "Pod");
  EXPECT_EQ(r.resource, "pods");
  EXPECT_EQ(r.sub_resource, "");
  EXPECT_EQ(r.name, "checkout-7d9f");
  EXPECT_EQ(r.namespace_name, "payments");
  EXPECT_EQ(r.operation, "CREATE");
  EXPECT_FALSE(r.dry_run);
  // Only what the webhook reads is kept: the pod-spec path to names and images.
  EXPECT_EQ(r.object, Json::parse(R"({"kind":"Pod","spec":{
      "initContainers":[{"name":"migrate","image":"harbor.corp.example:8443/tools/migrate:2.1"}],
      "containers":[{"name":"web","image":"registry.corp.example/apps/web:1.0"},{"name":"proxy","image":"nginx"}]}})"));
  EXPECT_TRUE(r.old_object.is_null());
}

TEST(AdmissionReview, V1beta1AndSubresource) {
  EXPECT_EQ(parse_fixture("pod-create-v1beta1.json").api_version, "admission.k8s.io/v1beta1");
  const auto r = parse_fixture("pod-ephemeralcontainers-v1.json");
  EXPECT_EQ(r.operation, "UPDATE");
  EXPECT_EQ(r.sub_resource, "ephemeralcontainers");
  EXPECT_EQ(r.kind, "Pod");
  EXPECT_TRUE(r.old_object.is_object());
  EXPECT_EQ(parse_fixture("ephemeralcontainers-legacy-v1beta1.json").kind, "EphemeralContainers");
}

TEST(AdmissionReview, DeleteHasNoObject) {
  const auto r = parse_fixture("pod-delete-v1.json");
  EXPECT_EQ(r.operation, "DELETE");
  EXPECT_TRUE(r.object.is_null());
  EXPECT_TRUE(r.old_object.is_object());
}

TEST(AdmissionReview, MalformedFixturesSayWhatIsWrong) {
  const auto truncated = fixture_text("malformed-truncated.json");
  EXPECT_EQ(parse_error(truncated),
            "the body is not valid JSON (at byte " + std::to_string(truncated.size()) + ")");
  EXPECT_EQ(parse_error(fixture_text("malformed-no-uid.json")), "request.uid is missing");
  EXPECT_EQ(parse_error(fixture_text("malformed-api-version.json")),
            "unsupported apiVersion \"admission.k8s.io/v2\" (expected admission.k8s.io/v1 or "
            "admission.k8s.io/v1beta1)");
  // The envelope is fine; the object is judged (and refused) later.
  EXPECT_EQ(parse_error(fixture_text("malformed-containers-not-a-list.json")), "<parsed>");
}

TEST(AdmissionReview, EnvelopeErrors) {
  EXPECT_EQ(parse_error(""), "the body is not valid JSON (at byte 0)");
  EXPECT_EQ(parse_error("[1]"), "the body is not a JSON object");
  EXPECT_EQ(parse_error(R"({"apiVersion":"admission.k8s.io/v1","kind":"Pod"})"),
            "kind is \"Pod\", expected \"AdmissionReview\"");
  EXPECT_EQ(parse_error(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})"),
            "request is missing");
  EXPECT_EQ(parse_error(R"({"apiVersion":1,"kind":"AdmissionReview"})"),
            "apiVersion must be a string");
  const std::string head =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":)";
  EXPECT_EQ(parse_error(head + "[]}"), "request must be an object");
  EXPECT_EQ(parse_error(head + R"({"uid":7}})"), "request.uid must be a string");
  EXPECT_EQ(parse_error(head + R"({"uid":"u"}})"), "request.operation is missing");
  EXPECT_EQ(parse_error(head + R"({"uid":"u","operation":"CREATE"}})"),
            "request.kind.kind is missing");
  EXPECT_EQ(parse_error(head + R"({"uid":"u","operation":"CREATE","kind":"Pod"}})"),
            "request.kind must be an object");
  EXPECT_EQ(
      parse_error(head + R"({"uid":"u","operation":"CREATE","kind":{"kind":"Pod"},"object":[]}})"),
      "request.object must be an object");
  EXPECT_EQ(parse_error(head +
                        R"({"uid":"u","operation":"CREATE","kind":{"kind":"Pod"},"dryRun":"no"}})"),
            "request.dryRun must be a boolean");
  EXPECT_EQ(
      parse_error(head + R"({"uid":")" + std::string(300, 'a') + R"(","operation":"CREATE"}})"),
      "request.uid is longer than 256 bytes");
  // The object's own kind stands in when request.kind is absent.
  auto r = parse_review(head + R"({"uid":"u","operation":"CREATE","object":{"kind":"Pod"}}})", {});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->kind, "Pod");
}

TEST(AdmissionReview, BoundedDepthAndSize) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(parse_error(deep), "the body is nested deeper than 64 levels");
  // Deep nesting inside an otherwise valid review is refused as well.
  const std::string head =
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","kind":{"kind":"Pod"},"object":{"x":)";
  EXPECT_EQ(parse_error(head + std::string(80, '[') + std::string(80, ']') + "}}}"),
            "the body is nested deeper than 64 levels");
  ReviewLimits small;
  small.max_body_bytes = 100;
  EXPECT_EQ(parse_error(fixture_text("pod-create-v1.json"), small),
            "the review is larger than 100 bytes");
  // Garbage never crashes the parser.
  for (const char* junk :
       {"{", "{\"a\":", "\xff\xfe", "nul", "{\"apiVersion\":\"admission.k8s.io/v1\",}"})
    EXPECT_NE(parse_error(junk), "<parsed>") << junk;
}

// ---------------------------------------------------------------------------------------------

struct Expected {
  std::string list, name, image, pointer, field;
};

void expect_images(const std::string& fixture_name, bool old_object,
                   const std::vector<Expected>& expected) {
  const auto r = parse_fixture(fixture_name);
  auto images = extract_images(old_object ? r.old_object : r.object, r.kind, 256);
  ASSERT_TRUE(images.ok()) << images.error();
  ASSERT_EQ(images->size(), expected.size()) << fixture_name;
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& got = (*images)[i];
    EXPECT_EQ(got.list, expected[i].list) << fixture_name << " #" << i;
    EXPECT_EQ(got.name, expected[i].name) << fixture_name << " #" << i;
    EXPECT_EQ(got.image, expected[i].image) << fixture_name << " #" << i;
    EXPECT_EQ(got.pointer, expected[i].pointer) << fixture_name << " #" << i;
    EXPECT_EQ(got.field, expected[i].field) << fixture_name << " #" << i;
    // The pointer addresses the image in the object as sent (not just in the pruned copy).
    const Json sent = fixture(fixture_name);
    const Json& object = sent["request"][old_object ? "oldObject" : "object"];
    EXPECT_EQ(object.at(Json::json_pointer(got.pointer)), got.image) << got.pointer;
  }
}

TEST(PodSpec, Pod) {
  expect_images(
      "pod-create-v1.json", false,
      {{"containers", "web", "registry.corp.example/apps/web:1.0", "/spec/containers/0/image",
        "spec.containers[0].image"},
       {"containers", "proxy", "nginx", "/spec/containers/1/image", "spec.containers[1].image"},
       {"initContainers", "migrate", "harbor.corp.example:8443/tools/migrate:2.1",
        "/spec/initContainers/0/image", "spec.initContainers[0].image"}});
}

TEST(PodSpec, EphemeralContainersOfAPodAndOfTheLegacyKind) {
  expect_images(
      "pod-ephemeralcontainers-v1.json", false,
      {{"containers", "web", "registry.corp.example/apps/web:1.0", "/spec/containers/0/image",
        "spec.containers[0].image"},
       {"containers", "proxy", "nginx", "/spec/containers/1/image", "spec.containers[1].image"},
       {"initContainers", "migrate", "harbor.corp.example:8443/tools/migrate:2.1",
        "/spec/initContainers/0/image", "spec.initContainers[0].image"},
       {"ephemeralContainers", "debugger-8xqz", "busybox:1.36", "/spec/ephemeralContainers/0/image",
        "spec.ephemeralContainers[0].image"}});
  expect_images("ephemeralcontainers-legacy-v1beta1.json", false,
                {{"ephemeralContainers", "debugger-8xqz", "busybox:1.36",
                  "/ephemeralContainers/0/image", "ephemeralContainers[0].image"}});
  expect_images("ephemeralcontainers-legacy-v1beta1.json", true, {});
}

TEST(PodSpec, WorkloadTemplates) {
  const std::string t = "/spec/template/spec/";
  const std::string f = "spec.template.spec.";
  expect_images("deployment-create-v1.json", false,
                {{"containers", "web", "registry.corp.example/apps/web:1.0",
                  t + "containers/0/image", f + "containers[0].image"},
                 {"containers", "metrics", "quay.io/prometheus/statsd-exporter:v0.26.0",
                  t + "containers/1/image", f + "containers[1].image"},
                 {"initContainers", "wait-for-db", "registry.corp.example/tools/wait-for:3",
                  t + "initContainers/0/image", f + "initContainers[0].image"}});
  expect_images("replicaset-create-v1.json", false,
                {{"containers", "web", "registry.corp.example/apps/web:1.0",
                  t + "containers/0/image", f + "containers[0].image"},
                 {"containers", "metrics", "quay.io/prometheus/statsd-exporter:v0.26.0",
                  t + "containers/1/image", f + "containers[1].image"}});
  expect_images("statefulset-create-v1.json", false,
                {{"containers", "postgres", "docker.io/library/postgres:16.1",
                  t + "containers/0/image", f + "containers[0].image"},
                 {"initContainers", "init-perms", "busybox", t + "initContainers/0/image",
                  f + "initContainers[0].image"}});
  expect_images("daemonset-create-v1.json", false,
                {{"containers", "node-exporter", "quay.io/prometheus/node-exporter:v1.7.0",
                  t + "containers/0/image", f + "containers[0].image"}});
  expect_images("job-create-v1.json", false,
                {{"containers", "migrate", "registry.corp.example/tools/migrate:2.1",
                  t + "containers/0/image", f + "containers[0].image"}});
  expect_images("replicationcontroller-create-v1.json", false,
                {{"containers", "frontend", "registry.corp.example/apps/frontend:0.9",
                  t + "containers/0/image", f + "containers[0].image"}});
  const std::string c = "/spec/jobTemplate/spec/template/spec/";
  const std::string cf = "spec.jobTemplate.spec.template.spec.";
  expect_images("cronjob-create-v1.json", false,
                {{"containers", "report", "registry.corp.example/apps/report:4.2.0",
                  c + "containers/0/image", cf + "containers[0].image"},
                 {"initContainers", "fetch", "curlimages/curl:8.5.0", c + "initContainers/0/image",
                  cf + "initContainers[0].image"}});
}

TEST(PodSpec, KindsWithoutAPodSpecHaveNoImages) {
  EXPECT_FALSE(pod_spec_path("ConfigMap"));
  EXPECT_FALSE(pod_spec_path("Scale"));
  auto images =
      extract_images(Json::parse(R"({"spec":{"containers":[{"image":"x"}]}})"), "Service", 8);
  ASSERT_TRUE(images.ok());
  EXPECT_TRUE(images->empty());
}

TEST(PodSpec, ShapeErrorsAndLimits) {
  const auto error = [](const std::string& object, size_t max = 8) {
    auto r = extract_images(Json::parse(object), "Deployment", max);
    return r.ok() ? std::string("<ok>") : r.error();
  };
  EXPECT_EQ(error(R"({"spec":1})"), "spec must be an object");
  EXPECT_EQ(error(R"({"spec":{"template":"x"}})"), "spec.template must be an object");
  EXPECT_EQ(error(R"({"spec":{"template":{"spec":{"containers":{"image":"x"}}}}})"),
            "spec.template.spec.containers must be a list");
  EXPECT_EQ(error(R"({"spec":{"template":{"spec":{"initContainers":[1]}}}})"),
            "spec.template.spec.initContainers[0] must be an object");
  EXPECT_EQ(error(R"({"spec":{"template":{"spec":{"containers":[{"image":5}]}}}})"),
            "spec.template.spec.containers[0].image must be a string");
  std::string many = R"({"spec":{"template":{"spec":{"containers":[)";
  for (int i = 0; i < 9; ++i) many += std::string(i ? "," : "") + R"({"image":"nginx"})";
  many += "]}}}}";
  EXPECT_EQ(error(many), "spec.template.spec.containers has more than 8 containers");
  // No template spec, or containers without images: nothing to judge (the API server refuses them).
  EXPECT_EQ(error(R"({"spec":{}})"), "<ok>");
  auto r = extract_images(Json::parse(R"({"spec":{"containers":[{"name":"a"},{"image":""}]}})"),
                          "Pod", 8);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(PodSpec, PointerTokensAreEscaped) {
  EXPECT_EQ(escape_pointer_token("a/b~c"), "a~1b~0c");
  EXPECT_EQ(escape_pointer_token("~/"), "~0~1");
  EXPECT_EQ(escape_pointer_token("containers"), "containers");
}

TEST(PodSpec, ChangedImagesOnUpdate) {
  const auto r = parse_fixture("deployment-update-v1.json");
  auto now = extract_images(r.object, r.kind, 256);
  auto before = extract_images(r.old_object, r.kind, 256);
  ASSERT_TRUE(now.ok() && before.ok());
  const auto changed = changed_images(*now, *before);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].image, "registry.corp.example/apps/web:1.1");
  EXPECT_EQ(changed[0].pointer, "/spec/template/spec/containers/0/image");

  const auto scaled = parse_fixture("deployment-scale-v1.json");
  auto s_now = extract_images(scaled.object, scaled.kind, 256);
  auto s_before = extract_images(scaled.old_object, scaled.kind, 256);
  EXPECT_TRUE(changed_images(*s_now, *s_before).empty());
}

}  // namespace
}  // namespace portcullis::testing
