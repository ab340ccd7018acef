// Common Asio/Beast aliases. Coroutines use `nothrow_awaitable`, so errors
// arrive as error_code values, never as exceptions, on the data path.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace portcullis::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

template <class T>
using awaitable = asio::awaitable<T>;

inline constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

}  // namespace portcullis::proxy
