#include "proxy/assessment/io_bridge.h"

namespace portcullis::proxy::assessment {

asio::io_context* io_context_of(const asio::any_io_executor& executor) {
  using IoExecutor = asio::io_context::executor_type;
  if (auto* e = executor.target<IoExecutor>()) return &e->context();
  if (auto* s = executor.target<asio::strand<IoExecutor>>()) return &s->get_inner_executor().context();
  return nullptr;
}

bool on_io_thread(const asio::any_io_executor& executor) {
  asio::io_context* ioc = io_context_of(executor);
  return ioc && ioc->get_executor().running_in_this_thread();
}

}  // namespace portcullis::proxy::assessment
