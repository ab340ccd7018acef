#include "proxy/server.h"

#include <iostream>

#include "proxy/api/policy_handler.h"
#include "proxy/daemon_stores.h"
#include "proxy/auth/htpasswd.h"
#include "proxy/http/router.h"
#include "proxy/http/session.h"
#include "proxy/ops/access_log.h"
#include "proxy/ops/ops_handler.h"
#ifdef PORTCULLIS_HAVE_admission
#include "proxy/admission/admission_handler.h"
#endif
#include "proxy/events/decision_log.h"
#include "proxy/judge/upstream_image_judge.h"
#include "proxy/registry/blob_grants.h"
#include "proxy/registry/push_policy.h"
#include "proxy/registry/registry_handler.h"
#include "proxy/signatures/push_signer.h"
#include "proxy/signatures/upstream_signature_source.h"
#include "proxy/store/database.h"
#include "proxy/store/event_store.h"
#include "proxy/store/facts_store.h"
#include "proxy/store/manifest_store.h"
#include "proxy/trust/active_policy.h"

namespace portcullis::proxy {
namespace {


signatures::SignatureSourceOptions signature_options(const config::DaemonConfig& config) {
  signatures::SignatureSourceOptions options;
  options.fetch_limits = {config.limits.max_manifest_bytes, config.limits.max_header_bytes,
                          config.timeouts.header};
  options.check_identity = config.signing && config.signing->identity;
  return options;
}

// Throws at start-up when the signing key cannot be loaded.
std::unique_ptr<signatures::PushSigner> make_signer(const config::DaemonConfig& config,
                                                    upstream::ConnectionPool& pool) {
  if (!config.signing || config.signing->key.empty()) return nullptr;
  return std::make_unique<signatures::PushSigner>(
      *config.signing, pool,
      upstream::FetchLimits{config.limits.max_manifest_bytes, config.limits.max_header_bytes,
                            config.timeouts.header});
}

}  // namespace

struct Server::Impl {
  explicit Impl(config::DaemonConfig c)
      : config(std::move(c)),
        pool(ioc.get_executor(), config.timeouts.connect),
        upstreams(config.upstreams, pool,
                  upstream::FetchLimits{config.limits.max_manifest_bytes,
                                        config.limits.max_header_bytes, config.timeouts.header}),
        access_log(config.access_log),
        policy(config.manifests),
        stores(DaemonStores::open(config.store)),
        assessor(*stores.facts, *stores.manifests, {.threads = 2}),
        judge(policy, config.cluster, upstreams, assessor, ioc.get_executor(),
              {.tags = {.max_manifest_bytes = config.limits.max_manifest_bytes,
                        .timeout = config.timeouts.header}}),
        decisions(stores.events.get()),
        signature_source(pool, signatures::keys_from_policy(policy), signature_options(config)),
        signer(make_signer(config, pool)),
        push_policy(judge, signer.get(), &decisions),
#ifdef PORTCULLIS_HAVE_admission
        admission(judge, config),
#endif
        policy_api(policy),
        router(metrics),
        ops(
            metrics, [this] { return ready && !tracker.draining(); },
            [this] { return tracker.active(); }) {
    if (!config.client_auth.htpasswd.empty())
      htpasswd =
          std::make_unique<auth::Htpasswd>(auth::Htpasswd::load(config.client_auth.htpasswd));
    judge.set_signature_source(&signature_source);
    registry::RegistryGates gates{&judge, stores.manifests.get(),
                                  config.strict_blobs ? &blob_grants : nullptr, &push_policy,
                                  &decisions};
    registry =
        std::make_unique<registry::RegistryHandler>(upstreams, htpasswd.get(), config, gates);
    ops.add_metrics_source([this] { return assessment_metrics(); });
#ifdef PORTCULLIS_HAVE_admission
    ops.add_metrics_source([this] { return admission.stats().prometheus_text(); });
    router.add("/admission/", admission, /*tls_only=*/true);
#endif
    router.add("/v2/", *registry);
    router.add("/healthz", ops);
    router.add("/readyz", ops);
    router.add("/metrics", ops);
    router.add("/api/policy", policy_api);
  }

  std::string assessment_metrics() const {
    const auto st = assessor.stats();
    std::string out;
    out += "# HELP portcullis_assessment_runs_total Image assessments that read the upstream.\n";
    out += "# TYPE portcullis_assessment_runs_total counter\n";
    out += "portcullis_assessment_runs_total " + std::to_string(st.runs) + "\n";
    out +=
        "# HELP portcullis_assessment_joined_total Requests that waited for an assessment already "
        "running.\n";
    out += "# TYPE portcullis_assessment_joined_total counter\n";
    out += "portcullis_assessment_joined_total " + std::to_string(st.joined) + "\n";
    out +=
        "# HELP portcullis_assessment_cache_hits_total Requests answered from the facts cache.\n";
    out += "# TYPE portcullis_assessment_cache_hits_total counter\n";
    out += "portcullis_assessment_cache_hits_total " + std::to_string(st.cache_hits) + "\n";
    out += "# HELP portcullis_assessments_in_flight Assessments queued or running.\n";
    out += "# TYPE portcullis_assessments_in_flight gauge\n";
    out += "portcullis_assessments_in_flight " + std::to_string(st.in_flight) + "\n";
    out +=
        "# HELP portcullis_blob_grants Blobs pullable because an allowed manifest references "
        "them.\n";
    out += "# TYPE portcullis_blob_grants gauge\n";
    out += "portcullis_blob_grants " + std::to_string(blob_grants.size()) + "\n";
    return out;
  }

  // Manifest files are checked for changes every couple of seconds; SIGHUP reloads at once.
  awaitable<void> watch_policy() {
    asio::steady_timer timer(ioc);
    for (;;) {
      timer.expires_after(std::chrono::seconds(2));
      auto [ec] = co_await timer.async_wait(nothrow_awaitable);
      if (ec) co_return;
      policy.reload_if_changed();
    }
  }

  awaitable<void> accept_loop(tcp::acceptor& acceptor, SessionSettings settings) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), nothrow_awaitable);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      auto executor = socket.get_executor();
      asio::co_spawn(executor,
                     run_session(std::move(socket), settings, router, access_log, tracker),
                     asio::detached);
    }
  }

  config::DaemonConfig config;
  asio::io_context ioc;
  upstream::ConnectionPool pool;
  registry::Upstreams upstreams;
  ops::AccessLog access_log;
  trust::ActivePolicy policy;
  DaemonStores stores;
  assessment::Assessor assessor;  // after ioc: destroyed before it
  judge::UpstreamImageJudge judge;
  registry::BlobGrants blob_grants;
  events::DecisionLog decisions;
  signatures::UpstreamSignatureSource signature_source;
  std::unique_ptr<signatures::PushSigner> signer;
  registry::PushPolicy push_policy;
#ifdef PORTCULLIS_HAVE_admission
  admission::AdmissionHandler admission;
#endif
  api::PolicyHandler policy_api;
  ops::Metrics metrics;
  SessionTracker tracker;
  Router router;
  ops::OpsHandler ops;
  std::unique_ptr<auth::Htpasswd> htpasswd;
  std::unique_ptr<registry::RegistryHandler> registry;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::shared_ptr<ssl::context>> tls_contexts;
  std::vector<std::thread> threads;
  std::atomic<bool> ready{false};
  std::atomic<bool> stopped{false};
};

Server::Server(config::DaemonConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() {
  if (!impl_->stopped) {
    impl_->ioc.stop();
    for (auto& t : impl_->threads)
      if (t.joinable()) t.join();
  }
}

namespace {

std::shared_ptr<ssl::context> server_tls_context(const config::TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  try {
    ctx->use_certificate_chain_file(files.cert);
    ctx->use_private_key_file(files.key, ssl::context::pem);
  } catch (const std::exception& e) {
    throw std::runtime_error("TLS listener: cannot load " + files.cert + " / " + files.key + ": " +
                             e.what());
  }
  return ctx;
}

}  // namespace

void Server::start(unsigned threads) {
  auto& impl = *impl_;
  for (const auto& listener : impl.config.listen) {
    const auto address = asio::ip::make_address(listener.host);
    auto acceptor = std::make_unique<tcp::acceptor>(impl.ioc);
    const tcp::endpoint endpoint(address, listener.port);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(asio::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    SessionSettings settings{&listener, nullptr, impl.config.timeouts, impl.config.limits};
    if (listener.tls) settings.tls = server_tls_context(*listener.tls);
    asio::co_spawn(impl.ioc, impl.accept_loop(*acceptor, settings), asio::detached);
    impl.acceptors.push_back(std::move(acceptor));
  }
  asio::co_spawn(impl.ioc, impl.watch_policy(), asio::detached);
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    impl.threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ready = true;
}

std::vector<uint16_t> Server::ports() const {
  std::vector<uint16_t> out;
  for (const auto& a : impl_->acceptors) out.push_back(a->local_endpoint().port());
  return out;
}

void Server::drain_and_stop() {
  auto& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  impl.ready = false;
  asio::post(impl.ioc, [&impl] {
    for (auto& a : impl.acceptors) {
      error_code ec;
      a->close(ec);
    }
  });
  impl.tracker.begin_drain();
  const auto deadline = std::chrono::steady_clock::now() + impl.config.timeouts.drain;
  while (impl.tracker.active() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl.ioc.stop();
  for (auto& t : impl.threads)
    if (t.joinable()) t.join();
}

bool Server::reload_policy() { return impl_->policy.reload(); }

void Server::run_until_signal() {
  asio::io_context signal_ioc;
  asio::signal_set signals(signal_ioc, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      impl_->policy.reload();
      signals.async_wait(on_signal);
      return;
    }
    signal_ioc.stop();
  };
  signals.async_wait(on_signal);
  signal_ioc.run();
  std::cerr << "portcullis: draining connections\n";
  drain_and_stop();
  std::cerr << "portcullis: stopped\n";
}

}  // namespace portcullis::proxy
