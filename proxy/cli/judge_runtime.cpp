#include "proxy/cli/judge_runtime.h"

#include <thread>

#include "proxy/registry/upstreams.h"
#include "proxy/daemon_stores.h"
#include "proxy/trust/active_policy.h"

namespace portcullis::cli {

using namespace proxy;


struct JudgeRuntime::Impl {
  explicit Impl(config::DaemonConfig c)
      : config(std::move(c)),
        pool(ioc.get_executor(), config.timeouts.connect),
        upstreams(config.upstreams, pool,
                  upstream::FetchLimits{config.limits.max_manifest_bytes,
                                        config.limits.max_header_bytes, config.timeouts.header}),
        policy(config.manifests) {
    try {
      stores = DaemonStores::open(config.store);
      store_description = config.store.path;
    } catch (const std::exception& e) {
      stores = DaemonStores::in_memory();
      store_description = std::string("memory (") + e.what() + ")";
    }
    assessor = std::make_unique<assessment::Assessor>(*stores.facts, *stores.manifests,
                                                      assessment::AssessorOptions{.threads = 2});
    judge = std::make_unique<judge::UpstreamImageJudge>(
        policy, config.cluster, upstreams, *assessor, ioc.get_executor(),
        judge::JudgeOptions{.tags = {.max_manifest_bytes = config.limits.max_manifest_bytes,
                                     .timeout = config.timeouts.header}});
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run(); });
  }

  ~Impl() {
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
  }

  config::DaemonConfig config;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      ioc.get_executor()};
  upstream::ConnectionPool pool;
  registry::Upstreams upstreams;
  trust::ActivePolicy policy;
  DaemonStores stores;
  std::unique_ptr<assessment::Assessor> assessor;
  std::unique_ptr<judge::UpstreamImageJudge> judge;
  std::string store_description;
  std::vector<std::thread> threads;
};

JudgeRuntime::JudgeRuntime(config::DaemonConfig config)
    : impl_(std::make_unique<Impl>(std::move(config))) {}
JudgeRuntime::~JudgeRuntime() = default;

judge::UpstreamImageJudge& JudgeRuntime::judge() { return *impl_->judge; }
const std::string& JudgeRuntime::store_description() const { return impl_->store_description; }
asio::any_io_executor JudgeRuntime::io_executor() { return impl_->ioc.get_executor(); }

}  // namespace portcullis::cli
