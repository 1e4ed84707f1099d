// What the load generator's transports (ccore_client.h, h2_client.h) are told about their connections.
#pragma once

#include <cstddef>
#include <string>

struct ClientSettings {
  std::string target;  // IPv4 HOST:PORT; the benchmark only ever uses 127.0.0.1
  size_t channels = 1;  // connections; calls are spread over them
  std::string method = "/harvestry.echo.v1.EchoService/Echo";  // another path checks error handling
  // C-core engine only:
  bool retries = false;        // the retry filter buffers every send op; a benchmark never retries
  bool minimal_stack = false;  // drops optional client filters (deadline, etc.)
  // Direct channels: we connect the TCP socket ourselves and hand it to the core, which then builds
  // a channel without the client_channel layer (no resolver, no load-balancing pick, no retry filter
  // per call). Same HTTP/2 on the wire; only the generator's per-call cost drops.
  bool direct = false;
};
