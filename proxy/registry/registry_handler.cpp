#include "proxy/registry/registry_handler.h"

#include "proxy/events/decision_log.h"
#include "proxy/http/relay.h"
#include "proxy/judge/upstream_image_judge.h"
#include "proxy/upstream/fetch.h"

namespace portcullis::proxy::registry {
namespace {

using oci::Endpoint;
using oci::ErrorCode;

constexpr http::field kHopByHop[] = {http::field::connection,
                                     http::field::keep_alive,
                                     http::field::proxy_connection,
                                     http::field::proxy_authorization,
                                     http::field::proxy_authenticate,
                                     http::field::te,
                                     http::field::trailer,
                                     http::field::upgrade};

template <class Fields>
void strip_hop_by_hop(Fields& fields) {
  // Headers named in Connection are hop-by-hop too.
  for (const auto& token : http::token_list(fields[http::field::connection])) {
    if (!beast::iequals(token, "close") && !beast::iequals(token, "keep-alive"))
      fields.erase(token);
  }
  for (auto f : kHopByHop) fields.erase(f);
}

// The upstream-side request target: the route for the upstream repository,
// the query without `ns`, and a mount `from` without the client's prefix.
boost::urls::url upstream_target(const oci::Route& route, const oci::Addressed& a,
                                 const boost::urls::url_view& in, std::string& mount_from) {
  boost::urls::url out;
  out.set_path(oci::route_path(route, a.repository));
  for (const auto& p : in.params()) {
    if (p.key == "ns") continue;
    std::string value = p.value;
    if (p.key == "from") {
      if (a.mode == oci::AddressMode::PathPrefix && value.rfind(a.client_prefix + "/", 0) == 0)
        value = value.substr(a.client_prefix.size() + 1);
      mount_from = value;
    }
    out.params().append({p.key, value});
  }
  return out;
}

bool transport_failure(const error_code& ec) { return static_cast<bool>(ec); }

std::string warning_value(std::string_view text) {
  std::string quoted;
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "299 portcullis \"" + quoted + "\"";
}

}  // namespace

std::string scopes_for(http::verb method, const oci::Route& route, std::string_view repository,
                       std::string_view mount_from) {
  if (route.endpoint == Endpoint::Catalog) return "registry:catalog:*";
  std::string actions = "pull";
  if (method == http::verb::post || method == http::verb::put || method == http::verb::patch)
    actions = "pull,push";
  if (method == http::verb::delete_) actions = "delete";
  auto scopes = upstream::repository_scope(repository, actions);
  if (!mount_from.empty() && mount_from != repository)
    scopes += " " + upstream::repository_scope(mount_from, "pull");
  return scopes;
}

RegistryHandler::RegistryHandler(Upstreams& upstreams, const auth::Htpasswd* client_auth,
                                 const config::DaemonConfig& config, RegistryGates gates)
    : upstreams_(upstreams), client_auth_(client_auth), config_(config), gates_(gates) {}

awaitable<bool> RegistryHandler::verify_password(std::string authorization) {
  co_return client_auth_->authenticate(authorization).has_value();
}

awaitable<void> RegistryHandler::reply_unauthorized(Exchange& ex) {
  http::response<http::string_body> res{http::status::unauthorized, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::www_authenticate, "Basic realm=\"portcullis\"");
  res.set("Docker-Distribution-API-Version", "registry/2.0");
  res.body() = oci::error_body(ErrorCode::Unauthorized, "authentication required");
  co_await send_response(ex, std::move(res));
}

awaitable<void> RegistryHandler::handle(Exchange& ex) {
  auto parsed = boost::urls::parse_origin_form(ex.request().target());
  if (!parsed) {
    co_await send_error(ex, ErrorCode::NameInvalid, "malformed request target");
    co_return;
  }
  const boost::urls::url_view url = *parsed;
  const auto route = oci::parse_route(url.path());
  if (!route) {
    co_await send_error(ex, ErrorCode::NameInvalid, "not an OCI distribution endpoint", {}, 404);
    co_return;
  }

  if (client_auth_) {
    const auto header = ex.request()[http::field::authorization];
    bool ok = !header.empty() && client_auth_->cached(header);
    if (!ok && !header.empty()) {
      // bcrypt is slow on purpose: keep it off the I/O threads.
      // Named, not a temporary inside co_await: GCC 12 destroys such temporaries twice.
      auto check =
          asio::co_spawn(bcrypt_pool_, verify_password(std::string(header)), asio::use_awaitable);
      ok = co_await std::move(check);
    }
    if (!ok) {
      co_await reply_unauthorized(ex);
      co_return;
    }
  }

  if (route->endpoint == Endpoint::Base) {
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.set("Docker-Distribution-API-Version", "registry/2.0");
    res.body() = "{}";
    co_await send_response(ex, std::move(res));
    co_return;
  }

  std::optional<std::string_view> ns;
  std::string ns_value;
  if (auto it = url.params().find("ns"); it != url.params().end()) {
    ns_value = (*it).value;
    ns = ns_value;
  }
  auto resolved = upstreams_.directory().resolve(ns, route->name, ex.listener.default_upstream);
  if (auto* err = std::get_if<oci::AddressingError>(&resolved)) {
    ex.log.decision = "deny:registry";
    co_await send_error(ex, ErrorCode::Denied, err->message);
    co_return;
  }
  const auto& addressed = std::get<oci::Addressed>(resolved);
  auto& up = upstreams_.at(addressed.upstream);
  ex.log.upstream = up.config.name;

  std::string mount_from;
  auto target = upstream_target(*route, addressed, url, mount_from);
  Forward fwd{*route, addressed, up, std::move(target),
              scopes_for(ex.request().method(), *route, addressed.repository, mount_from)};

  const auto method = ex.request().method();
  const bool manifest_read = route->endpoint == Endpoint::Manifest &&
                             (method == http::verb::get || method == http::verb::head);
  if (gates_.judge && manifest_read) {
    co_await judged_manifest(ex, fwd);
    co_return;
  }
  const bool blob_read = route->endpoint == Endpoint::Blob &&
                         (method == http::verb::get || method == http::verb::head);
  if (gates_.blobs && blob_read &&
      !gates_.blobs->granted(up.config.name + "/" + addressed.repository, route->reference)) {
    ex.log.decision = "deny:blob";
    // HEAD answers 404: pushing clients probe blobs with HEAD and must then upload, not fail.
    if (method == http::verb::head) {
      co_await send_error(ex, ErrorCode::BlobUnknown, "blob unknown to registry");
      co_return;
    }
    const std::string message = "blob " + route->reference +
                                " is not referenced by an allowed manifest in " +
                                addressed.repository + "; pull an allowed image manifest first";
    co_await send_error(ex, ErrorCode::Denied, message);
    co_return;
  }
  co_await forward(ex, fwd);
}

awaitable<void> RegistryHandler::deny_judgement(Exchange& ex, const judge::Judgement& j) {
  using judge::Outcome;
  const auto message = judge::denial_message(j);
  switch (j.outcome) {
    case Outcome::judged:
      ex.log.decision = "deny:policy";
      ex.log.error = message;
      co_await send_error_json(ex, ErrorCode::Denied, message, judge::reasons_json(j.verdict));
      co_return;
    case Outcome::invalid_reference:
      ex.log.decision = "deny:policy";
      co_await send_error(ex, ErrorCode::NameInvalid, message);
      co_return;
    case Outcome::not_found:
      co_await send_error(ex, ErrorCode::ManifestUnknown, "manifest unknown", j.error);
      co_return;
    default:
      ex.log.error = message;
      co_await send_error(ex, ErrorCode::Unavailable, "the image could not be assessed", j.error);
      co_return;
  }
}

awaitable<void> RegistryHandler::judged_manifest(Exchange& ex, Forward& fwd) {
  auto& up = fwd.upstream;
  const auto& repository = fwd.addressed.repository;
  const auto& reference = fwd.route.reference;
  const std::string name = up.config.name + "/" + repository;

  judge::JudgeRequest jr;
  jr.registry = up.config.name;
  jr.repository = repository;
  jr.stage = policy::Stage::Pull;
  if (oci::is_digest(reference)) {
    jr.digest = reference;
    if (auto tag = tags_.tag_for(name, reference))
      jr.tag = *tag;
    else
      jr.untagged_judged_on_repository = true;
  } else {
    jr.tag = reference;
  }
  auto judging = gates_.judge->judge_at(up, std::move(jr));  // named: GCC 12 (see README)
  auto judgement = co_await std::move(judging);
  if (!judgement.allowed()) {
    if (gates_.events && judgement.outcome != judge::Outcome::not_found)
      gates_.events->record(events::event_for(judgement, policy::Stage::Pull, "pull"));
    co_await deny_judgement(ex, judgement);
    co_return;
  }
  auto warnings = judge::audit_warnings(judgement.verdict);
  ex.log.decision = warnings.empty() ? "allow" : "allow:audit";
  if (!oci::is_digest(reference)) tags_.remember(name, reference, judgement.digest);
  if (gates_.blobs && judgement.assessment)
    gates_.blobs->grant(name, judgement.assessment->manifest.referenced_digests());

  if (gates_.manifests && co_await serve_stored_manifest(ex, judgement.digest, warnings)) co_return;
  // Not in the store (it failed, or evicted it just now): the upstream, by digest, as judged.
  fwd.upstream_target.set_path(oci::route_path(
      oci::Route{Endpoint::Manifest, fwd.route.name, judgement.digest}, repository));
  fwd.warnings = std::move(warnings);
  co_await forward(ex, fwd);
}

awaitable<bool> RegistryHandler::serve_stored_manifest(Exchange& ex, const std::string& digest,
                                                       const std::vector<std::string>& warnings) {
  auto stored = gates_.manifests->get(digest);
  if (!stored) co_return false;
  const bool is_head = ex.request().method() == http::verb::head;
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, stored->info.media_type);
  res.set("Docker-Content-Digest", digest);
  res.set("Docker-Distribution-API-Version", "registry/2.0");
  res.set(http::field::etag, "\"" + digest + "\"");
  for (const auto& w : warnings) res.insert(http::field::warning, warning_value(w));
  ex.log.status = 200;
  ex.keep_alive = ex.keep_alive && ex.request().keep_alive();
  res.keep_alive(ex.keep_alive);
  if (is_head) {
    // The length of the body a GET would send, without sending it.
    http::response<http::empty_body> head{http::status::ok, 11};
    head.base() = res.base();
    head.content_length(stored->bytes.size());
    ex.client.lowest().expires_after(ex.write_timeout);
    auto [wec, wn] = co_await http::async_write(ex.client, head, nothrow_awaitable);
    if (wec) ex.keep_alive = false;
    co_return true;
  }
  ex.log.bytes_sent = stored->bytes.size();
  res.body() = std::move(stored->bytes);
  res.prepare_payload();
  ex.client.lowest().expires_after(ex.write_timeout);
  auto [wec, wn] = co_await http::async_write(ex.client, res, nothrow_awaitable);
  if (wec) ex.keep_alive = false;
  co_return true;
}

awaitable<void> RegistryHandler::forward(Exchange& ex, Forward& fwd) {
  auto& req = ex.request();
  const auto method = req.method();
  const bool is_head = method == http::verb::head;
  const bool buffer_manifest_response =
      fwd.route.endpoint == Endpoint::Manifest && method == http::verb::get;
  const bool expects_continue = beast::iequals(req[http::field::expect], "100-continue");
  const bool client_keep_alive = req.keep_alive();

  req.target(fwd.upstream_target.buffer());
  req.set(http::field::host, fwd.upstream.origin.host_header());
  req.erase(http::field::authorization);
  req.erase(http::field::expect);
  strip_hop_by_hop(req);
  req.keep_alive(true);

  const bool has_body = !ex.parser.is_done();
  if (has_body) {
    const auto length = ex.parser.content_length();
    if (length && *length > config_.limits.max_upload_bytes) {
      co_await send_error(ex, ErrorCode::SizeInvalid, "request body exceeds the upload size limit",
                          {}, 413);
      co_return;
    }
  }

  auto& pool = upstreams_.pool();
  RelayTimeouts timeouts{config_.timeouts.idle_body, config_.timeouts.idle_body};
  upstream::ConnectionPtr conn;
  std::optional<http::response_parser<http::empty_body>> rp;
  std::string scopes = fwd.scopes;

  for (int attempt = 0;; ++attempt) {
    auto authorization = co_await fwd.upstream.auth->authorization(scopes);
    if (!authorization) {
      ex.log.error = "upstream auth: " + authorization.error().message();
      const std::string detail = "authentication to " + fwd.upstream.config.name + " failed";
      co_await send_error(ex, ErrorCode::Unavailable, "the upstream registry is unavailable",
                          detail);
      co_return;
    }
    if (authorization->empty())
      req.erase(http::field::authorization);
    else
      req.set(http::field::authorization, *authorization);

    // (No co_await inside ?: — GCC 12 miscompiles it.)
    boost::system::result<upstream::ConnectionPtr> acquired =
        make_error_code(boost::system::errc::not_connected);
    if (attempt == 0)
      acquired = co_await pool.acquire(fwd.upstream.origin);
    else
      acquired = co_await pool.connect(fwd.upstream.origin);
    if (!acquired) {
      ex.log.error = "upstream connect: " + acquired.error().message();
      const std::string detail = fwd.upstream.config.name + " could not be reached";
      co_await send_error(ex, ErrorCode::Unavailable, "the upstream registry is unavailable",
                          detail);
      co_return;
    }
    conn = std::move(*acquired);

    error_code send_ec;
    if (has_body) {
      if (expects_continue) {
        http::response<http::empty_body> cont{http::status::continue_, 11};
        ex.client.lowest().expires_after(ex.write_timeout);
        co_await http::async_write(ex.client, cont, nothrow_awaitable);
      }
      auto relayed =
          co_await relay_message<true>(ex.client, ex.buffer, ex.parser, conn->stream,
                                       ex.relay_buffer, timeouts, config_.limits.max_upload_bytes);
      ex.body_consumed = true;
      ex.log.bytes_received = relayed.bytes;
      if (relayed.read_error) {
        // The client stopped sending (or broke a limit): the upstream must not see a complete body.
        ex.log.error = "client body: " + relayed.read_error.message();
        conn->stream.abort();
        ex.keep_alive = false;
        ex.log.status = 400;
        co_return;
      }
      send_ec = relayed.write_error;
    } else {
      conn->stream.lowest().expires_after(timeouts.write);
      auto [wec, wn] = co_await http::async_write(conn->stream, req, nothrow_awaitable);
      send_ec = wec;
    }

    rp.emplace();
    rp->header_limit(config_.limits.max_header_bytes);
    rp->body_limit(boost::none);
    if (is_head) rp->skip(true);
    error_code read_ec = send_ec;
    if (!send_ec) {
      conn->stream.lowest().expires_after(config_.timeouts.header);
      auto [rec, rn] =
          co_await http::async_read_header(conn->stream, conn->buffer, *rp, nothrow_awaitable);
      read_ec = rec;
    }
    if (read_ec) {
      if (!has_body && attempt == 0 && conn->reused && upstream::is_stale_connection_error(read_ec))
        continue;
      ex.log.error = "upstream exchange: " + read_ec.message();
      const std::string detail = fwd.upstream.config.name + " did not answer";
      co_await send_error(ex, ErrorCode::Unavailable, "the upstream registry is unavailable",
                          detail);
      co_return;
    }
    if (rp->get().result() == http::status::unauthorized && attempt == 0 && !has_body) {
      scopes = fwd.upstream.auth->on_unauthorized(scopes, rp->get()[http::field::www_authenticate]);
      // Drain the small error body so the connection can be reused, then retry once.
      http::response_parser<http::string_body> drain{std::move(*rp)};
      drain.body_limit(64 * 1024);
      auto [dec, dn] =
          co_await http::async_read(conn->stream, conn->buffer, drain, nothrow_awaitable);
      if (!dec && drain.get().keep_alive()) pool.release(std::move(conn));
      continue;
    }
    break;
  }

  auto& res = rp->get();
  if (res.result() == http::status::unauthorized) {
    // Never relay the upstream's challenge: it would send the client to the upstream's token
    // service.
    ex.log.error = "upstream refused the configured credentials";
    conn->stream.abort();
    const std::string message =
        "the upstream registry refused access to " + fwd.addressed.repository;
    const std::string detail = "check the credentials configured for " + fwd.upstream.config.name;
    co_await send_error(ex, ErrorCode::Denied, message, detail);
    co_return;
  }

  const bool upstream_keep_alive = res.keep_alive();
  strip_hop_by_hop(res);
  for (const auto& w : fwd.warnings) res.insert(http::field::warning, warning_value(w));
  if (gates_.manifests && fwd.route.endpoint == Endpoint::Manifest &&
      method == http::verb::delete_ && res.result() == http::status::accepted &&
      oci::is_digest(fwd.route.reference)) {
    (void)gates_.manifests->erase(
        fwd.route.reference);  // deleted upstream: stop serving it locally
  }
  if (gates_.push && fwd.route.endpoint == Endpoint::Manifest && method == http::verb::put &&
      res.result() == http::status::created) {
    auto digest = std::string(res["Docker-Content-Digest"]);
    if (oci::is_digest(digest)) {
      auto pushed = gates_.push->manifest_pushed(fwd.upstream, fwd.addressed.repository,
                                                 fwd.route.reference, digest);
      auto push_warnings = co_await std::move(pushed);
      for (const auto& w : push_warnings) res.insert(http::field::warning, warning_value(w));
    }
  }
  if (res.result() == http::status::ok)
    fwd.resolved_digest = std::string(res["Docker-Content-Digest"]);
  const auto origin_url = fwd.upstream.origin.url();
  if (auto loc = res.find(http::field::location); loc != res.end())
    res.set(http::field::location, oci::rewrite_location(loc->value(), origin_url, fwd.addressed));
  if (auto link = res.find(http::field::link); link != res.end())
    res.set(http::field::link, oci::rewrite_link_header(link->value(), origin_url, fwd.addressed));
  ex.keep_alive = ex.keep_alive && client_keep_alive && (ex.body_consumed || !has_body);
  res.keep_alive(ex.keep_alive);
  ex.log.status = res.result_int();

  if (buffer_manifest_response && res.result() == http::status::ok) {
    http::response_parser<http::string_body> mp{std::move(*rp)};
    mp.body_limit(config_.limits.max_manifest_bytes);
    conn->stream.lowest().expires_after(config_.timeouts.idle_body);
    auto [mec, mn] = co_await http::async_read(conn->stream, conn->buffer, mp, nothrow_awaitable);
    if (mec) {
      ex.log.error = "upstream manifest body: " + mec.message();
      conn->stream.abort();
      const bool too_big = mec == http::error::body_limit;
      co_await send_error(
          ex, too_big ? ErrorCode::ManifestInvalid : ErrorCode::Unavailable,
          too_big ? "the manifest exceeds the size limit" : "the upstream registry is unavailable");
      co_return;
    }
    auto manifest = mp.release();
    manifest.erase(http::field::transfer_encoding);
    manifest.content_length(manifest.body().size());
    ex.log.bytes_sent = manifest.body().size();
    ex.client.lowest().expires_after(ex.write_timeout);
    auto [wec, wn] = co_await http::async_write(ex.client, manifest, nothrow_awaitable);
    if (wec) ex.keep_alive = false;
    if (upstream_keep_alive) pool.release(std::move(conn));
    co_return;
  }

  auto relayed = co_await relay_message<false>(conn->stream, conn->buffer, *rp, ex.client,
                                               ex.relay_buffer, timeouts, UINT64_MAX);
  ex.log.bytes_sent = relayed.bytes;
  if (relayed.read_error) {
    // The upstream died mid-body: break the client's transfer rather than end it cleanly.
    ex.log.error = "upstream body: " + relayed.read_error.message();
    ex.client.abort();
    ex.keep_alive = false;
    co_return;
  }
  if (relayed.write_error) {
    ex.log.error = "client write: " + relayed.write_error.message();
    ex.keep_alive = false;
    co_return;
  }
  if (upstream_keep_alive && !transport_failure(relayed.read_error)) pool.release(std::move(conn));
}

}  // namespace portcullis::proxy::registry
