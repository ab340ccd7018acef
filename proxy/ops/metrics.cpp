#include "proxy/ops/metrics.h"

namespace portcullis::proxy::ops {

void Metrics::count(unsigned status, uint64_t sent, uint64_t received, bool upstream_error, bool was_denied) {
  ++requests;
  if (status >= 200 && status < 300) ++responses_2xx;
  else if (status >= 300 && status < 400) ++responses_3xx;
  else if (status >= 400 && status < 500) ++responses_4xx;
  else if (status >= 500) ++responses_5xx;
  bytes_sent += sent;
  bytes_received += received;
  if (upstream_error) ++upstream_errors;
  if (was_denied) ++denied;
}

std::string Metrics::prometheus_text(size_t active_sessions) const {
  std::string out;
  auto line = [&](const char* name, const char* help, const char* type, const std::string& labels, uint64_t v) {
    if (help[0] != 0) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    out += std::string(name) + labels + " " + std::to_string(v) + "\n";
  };
  line("portcullis_http_requests_total", "Requests handled, by status class.", "counter", "{code=\"2xx\"}",
       responses_2xx);
  line("portcullis_http_requests_total", "", "counter", "{code=\"3xx\"}", responses_3xx);
  line("portcullis_http_requests_total", "", "counter", "{code=\"4xx\"}", responses_4xx);
  line("portcullis_http_requests_total", "", "counter", "{code=\"5xx\"}", responses_5xx);
  line("portcullis_http_response_bytes_total", "Body bytes sent to clients.", "counter", "", bytes_sent);
  line("portcullis_http_request_bytes_total", "Body bytes received from clients.", "counter", "", bytes_received);
  line("portcullis_denied_total", "Requests denied by the registry gate or policy.", "counter", "", denied);
  line("portcullis_upstream_errors_total", "Requests that failed at the upstream.", "counter", "", upstream_errors);
  line("portcullis_active_connections", "Open client connections.", "gauge", "", active_sessions);
  return out;
}

}  // namespace portcullis::proxy::ops
