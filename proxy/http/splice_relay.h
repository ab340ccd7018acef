// Zero-copy relay of a fixed-length body between two plain TCP sockets with
// splice(2) through a pipe: the bytes never enter user space, which on a
// loaded 2-core machine is what separates a proxy from a direct pull.
#pragma once

#include "proxy/http/relay.h"

namespace portcullis::proxy {

// Relays exactly `length` bytes from `src` to `dst`. Same result contract as
// relay_message: read_error means the source ended early or failed.
awaitable<RelayResult> splice_fixed_length(tcp::socket& src, tcp::socket& dst, uint64_t length,
                                           const RelayTimeouts& timeouts);

// False where splice is unavailable (e.g. a kernel without pipes for sockets);
// the caller then copies through user space.
bool splice_supported();

}  // namespace portcullis::proxy
