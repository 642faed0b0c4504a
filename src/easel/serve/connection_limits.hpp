#pragma once
// Limits on HTTP connections (http_connections.hpp enforces them; `easel serve` options set them).
#include <cstddef>

namespace easel::serve {

struct ConnectionLimits {
  double header_timeout_s = 10;              // request line and headers, from their first byte
  std::size_t max_header_bytes = 64 * 1024;  // request line and headers together
  double body_timeout_s = 120;               // the whole body, from the end of the headers
  // Bytes of a body as sent (chunk framing and compression included); the handler caps what they
  // decode to. httplib reads a chunk-size line or multipart headers without a bound of its own.
  std::size_t max_body_wire_bytes = 129ull << 20;
  std::size_t max_connections = 512;  // open at once, all clients together; beyond: 503
  std::size_t max_per_address = 64;   // open at once from one client address; beyond: 429
  double idle_timeout_s = 5;          // keep-alive: how long a connection waits for its next request
  std::size_t max_requests_per_connection = 100;
  double io_timeout_s = 30;  // one read or write that makes no progress
};

}  // namespace easel::serve
