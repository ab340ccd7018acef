#include "proxy/assessment/io_bridge.h"

namespace portcullis::proxy::assessment {

asio::io_context* io_context_of(const asio::any_io_executor& executor) {
  auto& context = asio::query(executor, asio::execution::context);
  return dynamic_cast<asio::io_context*>(&context);
}

bool on_io_thread(const asio::any_io_executor& executor) {
  asio::io_context* ioc = io_context_of(executor);
  return ioc && ioc->get_executor().running_in_this_thread();
}

}  // namespace portcullis::proxy::assessment
