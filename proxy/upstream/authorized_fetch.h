// A buffered upstream request with Portcullis's credentials for `scopes`:
// the Authorization header from RegistryAuth, and one retry after a 401
// with what the challenge taught. For small bodies only (manifests, tokens,
// signature payloads); blobs are relayed or streamed instead.
#pragma once

#include "proxy/upstream/fetch.h"
#include "proxy/upstream/registry_auth.h"

namespace portcullis::proxy::upstream {

awaitable<boost::system::result<http::response<http::string_body>>> authorized_fetch(
    ConnectionPool& pool, const Origin& origin, RegistryAuth& auth, std::string scopes,
    http::request<http::string_body> req, FetchLimits limits);

}  // namespace portcullis::proxy::upstream
