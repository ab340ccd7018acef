#include "proxy/http/exchange.h"

namespace portcullis::proxy {

awaitable<void> send_response(Exchange& ex, http::response<http::string_body> res) {
  if (ex.has_unread_body()) ex.keep_alive = false;  // we will not read what the client is still sending
  ex.keep_alive = ex.keep_alive && ex.request().keep_alive();
  res.version(ex.request().version());
  res.keep_alive(ex.keep_alive);
  if (ex.request().method() == http::verb::head) {
    const auto size = res.body().size();
    res.content_length(size);
    http::response<http::empty_body> head{res.base()};
    http::serializer<false, http::empty_body> sr{head};
    ex.client.lowest().expires_after(ex.write_timeout);
    auto [ec, n] = co_await http::async_write_header(ex.client, sr, nothrow_awaitable);
    if (ec) ex.keep_alive = false;
  } else {
    res.prepare_payload();
    ex.log.bytes_sent += res.body().size();
    ex.client.lowest().expires_after(ex.write_timeout);
    auto [ec, n] = co_await http::async_write(ex.client, res, nothrow_awaitable);
    if (ec) ex.keep_alive = false;
  }
  ex.log.status = res.result_int();
}

awaitable<void> send_error_json(Exchange& ex, oci::ErrorCode code, std::string_view message,
                                const nlohmann::json& detail) {
  http::response<http::string_body> res{static_cast<http::status>(oci::info(code).status), 11};
  res.set(http::field::content_type, "application/json");
  res.set("Docker-Distribution-API-Version", "registry/2.0");
  res.body() = oci::error_body(code, message, detail);
  co_await send_response(ex, std::move(res));
}

awaitable<void> send_error(Exchange& ex, oci::ErrorCode code, std::string_view message, std::string_view detail,
                           unsigned status_override) {
  const auto& info = oci::info(code);
  http::response<http::string_body> res{static_cast<http::status>(status_override ? status_override : info.status),
                                        11};
  res.set(http::field::content_type, "application/json");
  res.set("Docker-Distribution-API-Version", "registry/2.0");
  res.body() = oci::error_body(code, message, detail);
  co_await send_response(ex, std::move(res));
}

}  // namespace portcullis::proxy
