// The small pieces the registry handler's gates are made of.
#include <gtest/gtest.h>

#include "proxy/events/decision_log.h"
#include "proxy/judge/upstream_image_judge.h"
#include "proxy/registry/blob_grants.h"
#include "proxy/registry/push_policy.h"
#include "proxy/registry/tag_memory.h"
#include "proxy/store/event_store.h"

namespace portcullis::proxy {
namespace {

const std::string kDigestA = "sha256:" + std::string(64, 'a');
const std::string kDigestB = "sha256:" + std::string(64, 'b');

TEST(BlobGrants, GrantsArePerRepositoryAndBounded) {
  registry::BlobGrants grants(3);
  grants.grant("reg/apps/web", {kDigestA, kDigestB});
  EXPECT_TRUE(grants.granted("reg/apps/web", kDigestA));
  EXPECT_FALSE(grants.granted("reg/apps/other", kDigestA)) << "a grant never crosses repositories";
  EXPECT_FALSE(grants.granted("other/apps/web", kDigestA)) << "nor upstreams";
  grants.grant("reg/apps/x", {"sha256:" + std::string(64, 'c'), "sha256:" + std::string(64, 'd')});
  EXPECT_EQ(grants.size(), 3u);
  // kDigestA was used last among the first two, so kDigestB went first.
  EXPECT_TRUE(grants.granted("reg/apps/web", kDigestA));
  EXPECT_FALSE(grants.granted("reg/apps/web", kDigestB));
}

TEST(TagMemory, RemembersTheTagADigestWasReachedThrough) {
  registry::TagMemory tags(2);
  tags.remember("reg/apps/web", "1.0", kDigestA);
  EXPECT_EQ(tags.tag_for("reg/apps/web", kDigestA), "1.0");
  EXPECT_EQ(tags.tag_for("reg/apps/api", kDigestA), std::nullopt);
  tags.remember("reg/apps/web", "1.1", kDigestB);
  tags.remember("reg/apps/web", "2.0", "sha256:" + std::string(64, 'c'));
  EXPECT_EQ(tags.tag_for("reg/apps/web", kDigestA), std::nullopt)
      << "the oldest is forgotten first";
}

TEST(PushPolicy, AttachmentTagsAreRecognised) {
  EXPECT_TRUE(registry::is_attachment_tag("sha256-" + std::string(64, 'a') + ".sig"));
  EXPECT_TRUE(registry::is_attachment_tag("sha256-" + std::string(64, 'a') + ".att"));
  EXPECT_FALSE(registry::is_attachment_tag("sha256-" + std::string(64, 'a') + ".tar"));
  EXPECT_FALSE(registry::is_attachment_tag("v1.0.sig"));
  EXPECT_FALSE(registry::is_attachment_tag(""));
}

TEST(ImageJudge, FilesystemLayerMediaTypes) {
  EXPECT_TRUE(judge::is_filesystem_layer("application/vnd.oci.image.layer.v1.tar+gzip"));
  EXPECT_TRUE(judge::is_filesystem_layer("application/vnd.oci.image.layer.v1.tar+zstd"));
  EXPECT_TRUE(judge::is_filesystem_layer("application/vnd.docker.image.rootfs.diff.tar.gzip"));
  EXPECT_FALSE(judge::is_filesystem_layer("application/vnd.dev.cosign.simplesigning.v1+json"));
  EXPECT_FALSE(judge::is_filesystem_layer("application/vnd.in-toto+json"));
}

TEST(ImageJudge, DenialMessagesNameTheImageAndEveryEnforcedReason) {
  judge::Judgement j;
  j.image = "registry.corp.example/apps/web:1.0@" + kDigestA;
  j.verdict.allowed = false;
  j.verdict.reasons = {{"pci", "content.deny/no-ssh-server", "no-ssh-server: /usr/sbin/sshd", true},
                       {"dev", "vulnerabilities", "not scanned", false},
                       {"pci", "images.deny", "sandbox images are denied", true}};
  EXPECT_EQ(judge::denial_message(j),
            "image " + j.image +
                " is denied by policy: pci (content.deny/no-ssh-server): no-ssh-server: "
                "/usr/sbin/sshd; pci (images.deny): sandbox images are denied");
  EXPECT_EQ(judge::audit_warnings(j.verdict),
            std::vector<std::string>{"audit dev (vulnerabilities): not scanned"});
  EXPECT_EQ(judge::reasons_json(j.verdict).size(), 3u);

  j.outcome = judge::Outcome::timed_out;
  j.error = "its content assessment did not finish before the deadline";
  EXPECT_EQ(
      judge::denial_message(j),
      "image " + j.image +
          " is still being assessed: its content assessment did not finish before the deadline");
}

TEST(DecisionLog, RecordsEventsAndSuppressesRepeats) {
  auto store = store::make_memory_event_store();
  events::DecisionLog log(store.get(), std::chrono::seconds(60));
  judge::Judgement j;
  j.image = "registry.corp.example/apps/web:1.0";
  j.digest = kDigestA;
  j.verdict.allowed = false;
  j.verdict.reasons = {
      {"pci", "content.deny/no-ssh-server", "no-ssh-server: /usr/sbin/sshd", true}};
  const auto event = events::event_for(j, policy::Stage::Pull, "pull");
  EXPECT_EQ(event.decision, "deny");
  log.record(event);
  log.record(event);  // a node retrying: counted, not stored again
  EXPECT_EQ(log.recorded(), 1u);
  EXPECT_EQ(log.suppressed(), 1u);
  auto page = store->range({});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->events.size(), 1u);
  auto stored = nlohmann::json::parse(page->events[0].bytes);
  EXPECT_EQ(stored["stage"], "pull");
  EXPECT_EQ(stored["decision"], "deny");
  EXPECT_EQ(stored["digest"], kDigestA);
  EXPECT_EQ(stored["reasons"][0]["rule"], "content.deny/no-ssh-server");
  EXPECT_NE(stored["message"].get<std::string>().find("no-ssh-server: /usr/sbin/sshd"),
            std::string::npos);
}

}  // namespace
}  // namespace portcullis::proxy
