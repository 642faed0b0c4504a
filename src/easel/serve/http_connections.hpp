#pragma once
// cpp-httplib's server (Debian's 0.11) with the connection handling a public service needs and that
// version lacks: each connection gets its own thread (so slow clients never hold back others, `/health`
// included), the request line and headers, and then the body, must arrive within a total time (the
// library's read timeout restarts with every byte, so a client sending one byte a second held a thread
// forever), connections are capped in all and per client address, and a connection whose body was not
// read (refused before reading it, or over the size limit) is closed after its answer instead of having
// the rest of the body read as the next request.
//
// The library's own request parsing, routing and response writing are used unchanged: this class only
// replaces its per-connection loop (process_and_close_socket, a virtual extension point) and gives it a
// Stream that enforces the deadlines.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "easel/serve/connection_limits.hpp"

namespace easel::serve {

enum class ReadFailure { none, ended, timed_out, too_large };

// A connection's byte stream, with the time and byte allowance of the part of the request being read.
class ConnectionStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;
  // Waits up to `idle` for the first byte of a request; false when none came (or `stop` turned true).
  virtual bool wait_for_request(std::chrono::milliseconds idle, const std::function<bool()>& stop) = 0;
  // From now on reads fail once `seconds` have passed or `max_bytes` more bytes have been read.
  void limit_reads(double seconds, std::size_t max_bytes);
  ssize_t read(char* out, size_t size) final;
  ReadFailure read_failure() const { return failure_; }

 protected:
  // Reads what is there (waiting until the deadline at most); on failure sets failure_ and returns -1.
  virtual ssize_t read_some(char* out, size_t size) = 0;

  Clock::time_point deadline_ = Clock::time_point::max();
  std::size_t allowance_ = static_cast<std::size_t>(-1);
  ReadFailure failure_ = ReadFailure::none;
};

class GuardedHttpServer : public httplib::Server {
 public:
  explicit GuardedHttpServer(ConnectionLimits limits);
  ~GuardedHttpServer() override;

  // Why reading `request`'s connection failed, if it did: a body past its deadline (answered 408) or
  // over its byte allowance (413).
  ReadFailure read_failure(const httplib::Request& request) const;
  // Serves the requests arriving on `stream` until it ends, fails or asks to close (as for a socket;
  // the fuzz target feeds it bytes from memory).
  void serve(ConnectionStream& stream);

 private:
  struct Connection {
    ConnectionStream* stream = nullptr;
    bool close_requested = false;
  };
  bool process_and_close_socket(socket_t sock) override;
  bool stopping() const;
  // Registers the connection; false when its address already has max_per_address open.
  bool admit(const std::string& address, const std::string& key, Connection& connection);
  void release(const std::string& address, const std::string& key);
  Connection* find(const httplib::Request& request) const;  // needs mutex_ held

  ConnectionLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> per_address_;
  std::map<std::string, Connection*> connections_;  // "address:port" → the connection being served
  friend class ConnectionThreads;
};

// The answer written to a connection refused before its request was read (over a connection cap).
std::string refusal_response(int status, const std::string& message, const std::string& code);

}  // namespace easel::serve
