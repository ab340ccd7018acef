#include "proxy/api/policy_handler.h"

#include <nlohmann/json.hpp>

namespace portcullis::proxy::api {

awaitable<void> PolicyHandler::handle(Exchange& ex) {
  const auto s = policy_.status();
  nlohmann::json body = {{"revision", s.revision},   {"manifests", s.manifests}, {"files", s.files},
                         {"loadedAt", s.loaded_at}, {"lastReloadError", s.last_error}};
  http::response<http::string_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = body.dump(2);
  co_await send_response(ex, std::move(res));
}

}  // namespace portcullis::proxy::api
