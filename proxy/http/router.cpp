#include "proxy/http/router.h"

#include <algorithm>

namespace portcullis::proxy {

void Router::add(std::string prefix, Handler& handler, bool tls_only) {
  routes_.push_back({std::move(prefix), &handler, tls_only});
  std::sort(routes_.begin(), routes_.end(),
            [](const Entry& a, const Entry& b) { return a.prefix.size() > b.prefix.size(); });
}

awaitable<void> Router::handle(Exchange& ex) {
  const auto path = ex.log.path;
  const Entry* match = nullptr;
  for (const auto& r : routes_) {
    const bool exact = path == r.prefix;
    const bool under = r.prefix.back() == '/' ? path.rfind(r.prefix, 0) == 0 : path.rfind(r.prefix + "/", 0) == 0;
    if (exact || under || (r.prefix.back() == '/' && path + "/" == r.prefix)) {
      match = &r;
      break;
    }
  }
  if (!match || (match->tls_only && !ex.client.is_tls())) {
    co_await send_error(ex, oci::ErrorCode::Unsupported, "no such endpoint", {}, 404);
  } else {
    co_await match->handler->handle(ex);
  }
  metrics_.count(ex.log.status, ex.log.bytes_sent, ex.log.bytes_received, !ex.log.error.empty() && ex.log.status >= 500,
                 ex.log.status == 403);
}

}  // namespace portcullis::proxy
