#include "proxy/ops/ops_handler.h"

namespace portcullis::proxy::ops {

awaitable<void> OpsHandler::handle(Exchange& ex) {
  const auto& path = ex.log.path;
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (path == "/metrics") {
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.body() = metrics_.prometheus_text(active_());
    for (const auto& source : sources_) res.body() += source();
  } else if (path == "/readyz") {
    const bool ready = ready_();
    res.result(ready ? http::status::ok : http::status::service_unavailable);
    res.body() = ready ? "ready\n" : "not ready\n";
  } else {
    res.body() = "ok\n";
  }
  co_await send_response(ex, std::move(res));
}

}  // namespace portcullis::proxy::ops
