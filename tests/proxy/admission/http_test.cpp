// The handler behind the real session code on a loopback port: methods,
// content types, body limits (Content-Length and chunked), keep-alive.
#include <gtest/gtest.h>

#include "proxy/http/session.h"
#include "tests/proxy/admission/admission_test_support.h"
#include "tests/proxy/raw_client.h"
#include "tests/support/net.h"

namespace portcullis::testing {
namespace {

using namespace proxy::admission;
using proxy::tcp;

// Sessions exactly as the server runs them (a strand per connection), with the
// admission handler as the whole router.
class HandlerServer {
 public:
  explicit HandlerServer(proxy::Handler& handler) : handler_(handler), acceptor_(ioc_) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    listener_.host = "127.0.0.1";
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~HandlerServer() {
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  proxy::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::make_strand(ioc_), proxy::nothrow_awaitable);
      if (ec) co_return;
      auto executor = socket.get_executor();
      proxy::SessionSettings settings{&listener_, nullptr, {}, {}};
      asio::co_spawn(executor,
                     proxy::run_session(std::move(socket), settings, handler_, log_, tracker_),
                     asio::detached);
    }
  }

  proxy::Handler& handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  config::Listener listener_;
  proxy::ops::AccessLog log_{""};
  proxy::SessionTracker tracker_;
  uint16_t port_ = 0;
  std::thread thread_;
};

class AdmissionHttpTest : public ::testing::Test {
 protected:
  AdmissionHttpTest() {
    AdmissionOptions options;
    options.limits.max_body_bytes = 64 * 1024;
    handler_ = std::make_unique<AdmissionHandler>(judge_, config::DaemonConfig{}, options);
    server_ = std::make_unique<HandlerServer>(*handler_);
  }

  testsupport::HttpResponse post(const std::string& path, std::string body,
                                 std::string content_type = "application/json") {
    testsupport::HttpRequest req;
    req.method = "POST";
    req.port = server_->port();
    req.target = path;
    req.headers = {{"Content-Type", content_type}};
    req.body = std::move(body);
    return testsupport::http_request(req);
  }

  FakeJudge judge_;
  std::unique_ptr<AdmissionHandler> handler_;
  std::unique_ptr<HandlerServer> server_;
};

TEST_F(AdmissionHttpTest, ValidateAndMutateAnswerJson) {
  for (const char* path :
       {"/admission/validate", "/admission/mutate", "/admission/validate?timeout=5s"}) {
    const auto res = post(path, fixture_text("pod-create-v1.json"));
    ASSERT_EQ(res.status, 200) << path << " " << res.error << res.body;
    EXPECT_EQ(res.header("Content-Type"), "application/json");
    const auto body = Json::parse(res.body);
    EXPECT_EQ(body["response"]["uid"], "9e1c3a52-6f0b-4b7e-a5f3-2f8f6c1d0a11");
    EXPECT_EQ(body["response"]["allowed"], true);
  }
  // application/json with parameters is JSON too.
  EXPECT_EQ(post("/admission/validate", fixture_text("pod-create-v1.json"),
                 "Application/JSON; charset=utf-8")
                .status,
            200);
}

TEST_F(AdmissionHttpTest, WrongMethodTypeOrPathGetAStatusBody) {
  testsupport::HttpRequest get;
  get.port = server_->port();
  get.target = "/admission/validate";
  const auto g = testsupport::http_request(get);
  EXPECT_EQ(g.status, 405);
  EXPECT_EQ(g.header("Allow"), "POST");
  EXPECT_EQ(Json::parse(g.body)["message"], "/admission/validate accepts POST only");

  const auto text = post("/admission/validate", fixture_text("pod-create-v1.json"), "text/plain");
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(Json::parse(text.body)["message"],
            "an AdmissionReview is sent as application/json, not \"text/plain\"");

  const auto other = post("/admission/other", "{}");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(Json::parse(other.body)["reason"], "NotFound");

  const auto bad = post("/admission/validate", fixture_text("malformed-no-uid.json"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["message"], "malformed AdmissionReview: request.uid is missing");
  EXPECT_TRUE(judge_.calls().empty());
}

TEST_F(AdmissionHttpTest, BodiesOverTheLimitGet413) {
  // Refused from the Content-Length alone: the body is never read (nor sent, here).
  RawConnection declared(server_->port());
  declared.send(
      "POST /admission/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 66560\r\n\r\n");
  EXPECT_EQ(declared.read_header().rfind("HTTP/1.1 413", 0), 0u);
  const auto body = Json::parse(declared.read_to_eof());
  EXPECT_EQ(body["code"], 413);
  EXPECT_EQ(body["message"], "the review is larger than 65536 bytes");

  // Chunked: no length up front; the limit stops the read at the chunk that crosses it.
  RawConnection chunked(server_->port());
  chunked.send(
      "POST /admission/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n10001\r\n");
  EXPECT_EQ(chunked.read_header().rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_TRUE(judge_.calls().empty());
}

TEST_F(AdmissionHttpTest, KeepAliveServesSeveralReviewsOnOneConnection) {
  RawConnection conn(server_->port());
  for (const char* name : {"pod-create-v1.json", "deployment-create-v1.json",
                           "malformed-no-uid.json", "pod-create-v1beta1.json"}) {
    const auto body = fixture_text(name);
    conn.send(
        "POST /admission/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    const auto header = conn.read_header();
    const bool malformed = std::string(name).starts_with("malformed");
    EXPECT_EQ(header.rfind(malformed ? "HTTP/1.1 400" : "HTTP/1.1 200", 0), 0u) << name << header;
    const auto at = header.find("Content-Length: ");
    ASSERT_NE(at, std::string::npos) << header;
    const size_t length = std::stoul(header.substr(at + 16));
    boost::system::error_code ec;
    std::string response;
    conn.read_body(length, ec, &response);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_NO_THROW(Json::parse(response)) << response;
  }
  // Expect: 100-continue is answered before the body is sent.
  const auto body = fixture_text("pod-create-v1.json");
  conn.send(
      "POST /admission/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(conn.read_header().rfind("HTTP/1.1 100", 0), 0u);
  conn.send(body);
  EXPECT_EQ(conn.read_header().rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace portcullis::testing
