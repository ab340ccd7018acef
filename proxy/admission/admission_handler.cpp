#include "proxy/admission/admission_handler.h"

#include <algorithm>

#include "proxy/admission/decision.h"
#include "proxy/admission/judge_all.h"
#include "proxy/admission/pod_spec.h"
#include "proxy/admission/response.h"

namespace portcullis::proxy::admission {

namespace {

constexpr std::string_view kValidate = "/admission/validate";
constexpr std::string_view kMutate = "/admission/mutate";

AdmissionAnswer malformed(std::string_view error) {
  return {400, status_body(400, "BadRequest", "malformed AdmissionReview: " + std::string(error)),
          "malformed"};
}

// "application/json" or "application/json; charset=utf-8", any case.
bool is_json_content_type(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  constexpr std::string_view kJson = "application/json";
  return value.size() == kJson.size() &&
         std::equal(value.begin(), value.end(), kJson.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// `body` by reference: no temporary lives across the co_await (GCC 12).
awaitable<void> send_json(Exchange& ex, unsigned status, std::string& body) {
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  if (status == 405) res.set(http::field::allow, "POST");
  res.body() = std::move(body);
  co_await send_response(ex, std::move(res));
}

}  // namespace

std::string AdmissionStats::prometheus_text() const {
  std::string out;
  const auto line = [&out](std::string_view name, std::string_view labels, uint64_t value) {
    out += "portcullis_admission_" + std::string(name);
    if (!labels.empty()) out += "{" + std::string(labels) + "}";
    out += " " + std::to_string(value) + "\n";
  };
  out += "# TYPE portcullis_admission_reviews_total counter\n";
  line("reviews_total", "result=\"allowed\"", allowed.load());
  line("reviews_total", "result=\"denied\"", denied.load());
  line("reviews_total", "result=\"malformed\"", malformed.load());
  out += "# TYPE portcullis_admission_reviews_without_lookups_total counter\n";
  line("reviews_without_lookups_total", "", without_lookups.load());
  out += "# TYPE portcullis_admission_judge_calls_total counter\n";
  line("judge_calls_total", "", judge_calls.load());
  out += "# TYPE portcullis_admission_deadline_misses_total counter\n";
  line("deadline_misses_total", "", deadline_misses.load());
  out += "# TYPE portcullis_admission_pinned_containers_total counter\n";
  line("pinned_containers_total", "", pinned.load());
  return out;
}

AdmissionHandler::AdmissionHandler(judge::ImageJudge& judge, const config::DaemonConfig& config,
                                   AdmissionOptions options)
    : judge_(judge), config_(config.admission), options_(options) {}

awaitable<AdmissionAnswer> AdmissionHandler::answer(std::string body, bool mutate) {
  ++stats_.reviews;
  const auto start = std::chrono::steady_clock::now();
  auto parsed = parse_review(body, options_.limits);
  if (!parsed) {
    ++stats_.malformed;
    co_return malformed(parsed.error());
  }
  const AdmissionRequest& request = *parsed;
  const auto allow_without_lookups = [&]() {
    ++stats_.without_lookups;
    ++stats_.allowed;
    return AdmissionAnswer{200, review_response(request, ReviewDecision{}), "exempt"};
  };

  if (request.operation != "CREATE" && request.operation != "UPDATE")
    co_return allow_without_lookups();
  const auto& exempt = config_.exempt_namespaces;
  if (!request.namespace_name.empty() &&
      std::find(exempt.begin(), exempt.end(), request.namespace_name) != exempt.end())
    co_return allow_without_lookups();

  auto containers = extract_images(request.object, request.kind, options_.limits.max_containers);
  if (!containers) {
    ++stats_.malformed;
    ++stats_.denied;
    co_return AdmissionAnswer{200, malformed_object_response(request, containers.error()), "deny"};
  }
  std::vector<ContainerImage> to_judge = std::move(*containers);
  if (request.operation == "UPDATE" && request.old_object.is_object()) {
    // An old object we cannot read leaves every image to be judged.
    auto before = extract_images(request.old_object, request.kind, options_.limits.max_containers);
    if (before) to_judge = changed_images(std::move(to_judge), *before);
  }
  if (to_judge.empty()) co_return allow_without_lookups();

  const ReviewPlan plan = plan_review(std::move(to_judge));
  if (plan.images.size() > options_.limits.max_images) {
    ++stats_.malformed;
    ++stats_.denied;
    const std::string error =
        "more than " + std::to_string(options_.limits.max_images) + " distinct images";
    co_return AdmissionAnswer{200, malformed_object_response(request, error), "deny"};
  }

  std::optional<std::string> namespace_name;
  if (!request.namespace_name.empty()) namespace_name = request.namespace_name;
  const auto deadline = start + config_.deadline;
  auto judging = judge_all(judge_, plan, std::move(namespace_name), deadline, config_.deadline,
                           options_.grace);
  auto judged = co_await std::move(judging);
  stats_.judge_calls += judged.calls;
  stats_.deadline_misses += judged.missed;

  const auto decision =
      decide_review(plan, judged.judgements, mutate ? Webhook::mutate : Webhook::validate);
  if (decision.allowed)
    ++stats_.allowed;
  else
    ++stats_.denied;
  stats_.pinned += decision.patch.size();
  co_return AdmissionAnswer{200, review_response(request, decision),
                            decision.allowed ? "allow" : "deny"};
}

awaitable<void> AdmissionHandler::handle(Exchange& ex) {
  auto& req = ex.request();
  const auto target = req.target();
  const auto path = std::string_view(target.data(), target.size()).substr(0, target.find('?'));
  if (path != kValidate && path != kMutate) {
    auto body = status_body(404, "NotFound",
                            "no admission endpoint at " + std::string(path) +
                                " (use /admission/validate or /admission/mutate)");
    co_await send_json(ex, 404, body);
    co_return;
  }
  const bool mutate = path == kMutate;
  if (req.method() != http::verb::post) {
    auto body = status_body(405, "MethodNotAllowed", std::string(path) + " accepts POST only");
    co_await send_json(ex, 405, body);
    co_return;
  }
  if (!is_json_content_type(req[http::field::content_type])) {
    auto body = status_body(415, "UnsupportedMediaType",
                            "an AdmissionReview is sent as application/json, not \"" +
                                std::string(req[http::field::content_type]) + "\"");
    co_await send_json(ex, 415, body);
    co_return;
  }
  const auto limit = options_.limits.max_body_bytes;
  const auto too_large_body = [limit] {
    return status_body(413, "RequestEntityTooLarge",
                       "the review is larger than " + std::to_string(limit) + " bytes");
  };
  if (const auto length = ex.parser.content_length(); length && *length > limit) {
    auto body = too_large_body();
    co_await send_json(ex, 413, body);  // closes: the body stays unread
    co_return;
  }

  const bool client_keep_alive = req.keep_alive();
  if (req[http::field::expect] == "100-continue") {
    http::response<http::empty_body> cont{http::status::continue_, 11};
    ex.client.lowest().expires_after(ex.write_timeout);
    co_await http::async_write(ex.client, cont, nothrow_awaitable);
  }
  // The header fields move with the parser; what send_response needs (version,
  // method) stays, and keep-alive is carried over by hand.
  http::request_parser<http::string_body> body_parser{std::move(ex.parser)};
  body_parser.body_limit(limit);
  ex.client.lowest().expires_after(ex.write_timeout);
  auto [ec, n] = co_await http::async_read(ex.client, ex.buffer, body_parser, nothrow_awaitable);
  ex.body_consumed = true;
  if (!client_keep_alive) ex.keep_alive = false;
  if (ec == http::error::body_limit) {
    ex.keep_alive = false;
    auto body = too_large_body();
    co_await send_json(ex, 413, body);
    co_return;
  }
  if (ec) {  // the client stopped sending: nobody to answer
    ex.keep_alive = false;
    ex.log.status = 400;
    ex.log.error = "admission body: " + ec.message();
    co_return;
  }
  ex.log.bytes_received = n;

  std::string review = std::move(body_parser.get().body());
  auto call = answer(std::move(review), mutate);
  auto answered = co_await std::move(call);
  ex.log.decision = answered.decision;
  co_await send_json(ex, answered.status, answered.body);
}

}  // namespace portcullis::proxy::admission
