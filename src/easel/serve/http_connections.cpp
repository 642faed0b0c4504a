#include "easel/serve/http_connections.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <thread>
#include <vector>

#include "easel/serve/api_error.hpp"

namespace easel::serve {
namespace {

using Clock = std::chrono::steady_clock;

int milliseconds(double seconds) { return static_cast<int>(std::clamp(seconds * 1000.0, 0.0, 86'400'000.0)); }

// poll() for one event, retried on EINTR; > 0 when it is ready.
int wait_for(socket_t sock, short event, int timeout_ms) {
  pollfd entry{sock, event, 0};
  for (;;) {
    const int ready = ::poll(&entry, 1, timeout_ms);
    if (ready >= 0 || errno != EINTR) return ready;
  }
}

void numeric_address(const sockaddr_storage& address, socklen_t length, std::string& host, int& port) {
  std::array<char, NI_MAXHOST> name{};
  std::array<char, NI_MAXSERV> service{};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, name.data(), name.size(), service.data(),
                    service.size(), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    host = name.data();
    port = std::atoi(service.data());
  }
}

// A socket read through a buffer, each read bounded by the I/O timeout and by the deadline of the part
// of the request being read, and given up when the server stops.
class SocketStream final : public ConnectionStream {
 public:
  SocketStream(socket_t sock, double io_timeout_s, std::function<bool()> stopping)
      : sock_(sock), io_timeout_ms_(milliseconds(io_timeout_s)), stopping_(std::move(stopping)) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (::getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0)
      numeric_address(address, length, remote_host_, remote_port_);
    length = sizeof(address);
    if (::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0)
      numeric_address(address, length, local_host_, local_port_);
  }

  bool wait_for_request(std::chrono::milliseconds idle, const std::function<bool()>& stop) override {
    return begin_ < end_ || wait_readable(Clock::now() + idle, stop);
  }

  bool is_readable() const override { return begin_ < end_ || wait_for(sock_, POLLIN, 0) > 0; }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, io_timeout_ms_) > 0; }

  ssize_t read_some(char* out, size_t size) override {
    if (begin_ < end_) return take(out, size);
    const auto io_limit = Clock::now() + std::chrono::milliseconds(io_timeout_ms_);
    const bool deadline_first = deadline_ <= io_limit;
    if (!wait_readable(deadline_first ? deadline_ : io_limit, stopping_)) {
      failure_ = deadline_first && !stopping_() ? ReadFailure::timed_out : ReadFailure::ended;
      return -1;
    }
    ssize_t received = 0;
    do {
      received =
          size >= buffer_.size() ? ::recv(sock_, out, size, 0) : ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (received < 0 && errno == EINTR);
    if (received <= 0) {
      failure_ = ReadFailure::ended;
      return received < 0 ? -1 : 0;
    }
    if (size >= buffer_.size()) return received;
    begin_ = 0;
    end_ = static_cast<std::size_t>(received);
    return take(out, size);
  }

  ssize_t write(const char* data, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t sent = 0;
    do {
      sent = ::send(sock_, data, size, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    return sent < 0 ? -1 : sent;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_host_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_host_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

  const std::string& remote_host() const { return remote_host_; }
  int remote_port() const { return remote_port_; }

 private:
  // Waits for data until `until`, in short slices so that a stopping server does not wait for slow
  // or idle clients.
  bool wait_readable(Clock::time_point until, const std::function<bool()>& stop) const {
    while (!stop()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      const int ready = wait_for(sock_, POLLIN, static_cast<int>(std::min<long long>(left, 200)));
      if (ready != 0) return ready > 0;
    }
    return false;
  }

  ssize_t take(char* out, size_t size) {
    const std::size_t count = std::min(size, end_ - begin_);
    std::memcpy(out, buffer_.data() + begin_, count);
    begin_ += count;
    return static_cast<ssize_t>(count);
  }

  socket_t sock_;
  int io_timeout_ms_;
  std::function<bool()> stopping_;
  std::array<char, 16 * 1024> buffer_{};
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::string remote_host_;
  int remote_port_ = 0;
  std::string local_host_;
  int local_port_ = 0;
};

// Closes a connection whose client may still be sending (a body the server did not read) after its
// answer was written: the server's side is shut first, and what the client still sends is read and
// discarded for a little while (nginx's "lingering close"). Closing with unread data at once resets the
// connection, and a client still uploading then loses the answer.
void close_lingering(socket_t sock, std::chrono::milliseconds linger, std::size_t max_bytes) {
  ::shutdown(sock, SHUT_WR);
  std::array<char, 16 * 1024> discard{};
  const auto until = Clock::now() + linger;
  for (std::size_t drained = 0; drained < max_bytes;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0 || wait_for(sock, POLLIN, static_cast<int>(left)) <= 0) break;
    const auto received = ::recv(sock, discard.data(), discard.size(), 0);
    if (received <= 0) break;
    drained += static_cast<std::size_t>(received);
  }
  ::close(sock);
}

constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 16u << 20;

// Answers a connection refused before its request is read.
void refuse(socket_t sock, const std::string& response, std::chrono::milliseconds linger) {
  [[maybe_unused]] const auto sent = ::send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close_lingering(sock, linger, kLingerBytes);
}

// Set while the accepting thread itself answers a connection over max_connections.
thread_local bool refusing_in_accept_thread = false;

}  // namespace

// One thread per connection, up to max_connections; a connection beyond that is answered 503 at once on
// the accepting thread. (httplib's ThreadPool queues connections behind busy threads without bound,
// which is how slow clients held back everyone else.)
class ConnectionThreads final : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(const GuardedHttpServer& server) : max_(server.limits_.max_connections) {}

  void enqueue(std::function<void()> serve_connection) override {
    {
      std::lock_guard lock(mutex_);
      if (running_ < max_) {
        ++running_;
        try {
          std::thread([this, serve_connection] {
            serve_connection();
            std::lock_guard done(mutex_);
            --running_;
            finished_.notify_all();
          }).detach();
          return;
        } catch (const std::system_error&) {  // no thread to be had: refused below like a full server
          --running_;
        }
      }
    }
    refusing_in_accept_thread = true;
    serve_connection();
    refusing_in_accept_thread = false;
  }

  void shutdown() override {
    std::unique_lock lock(mutex_);
    finished_.wait(lock, [this] { return running_ == 0; });
  }

 private:
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::size_t running_ = 0;
};

void ConnectionStream::limit_reads(double seconds, std::size_t max_bytes) {
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  allowance_ = max_bytes;
}

ssize_t ConnectionStream::read(char* out, size_t size) {
  if (allowance_ == 0) {
    failure_ = ReadFailure::too_large;
    return -1;
  }
  const ssize_t count = read_some(out, std::min(size, allowance_));
  if (count > 0) allowance_ -= static_cast<std::size_t>(count);
  return count;
}

std::string refusal_response(int status, const std::string& message, const std::string& code) {
  const std::string body =
      ApiError(status, status >= 500 ? "server_error" : "rate_limit_exceeded", message, {}, code).body().dump();
  return "HTTP/1.1 " + std::to_string(status) + (status == 429 ? " Too Many Requests" : " Service Unavailable") +
         "\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits) : limits_(limits) {
  new_task_queue = [this] { return new ConnectionThreads(*this); };
  set_keep_alive_max_count(limits_.max_requests_per_connection);
  set_keep_alive_timeout(static_cast<time_t>(limits_.idle_timeout_s));
  // A response that says "Connection: close" ends its connection: its request's body may be unread.
  set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    if (response.get_header_value("Connection") != "close") return;
    std::lock_guard lock(mutex_);
    if (Connection* connection = find(request)) connection->close_requested = true;
  });
}

GuardedHttpServer::~GuardedHttpServer() = default;

bool GuardedHttpServer::stopping() const { return svr_sock_ == INVALID_SOCKET; }

bool GuardedHttpServer::admit(const std::string& address, const std::string& key, Connection& connection) {
  std::lock_guard lock(mutex_);
  std::size_t& open = per_address_[address];
  if (open >= limits_.max_per_address) {
    if (open == 0) per_address_.erase(address);
    return false;
  }
  ++open;
  connections_[key] = &connection;
  return true;
}

void GuardedHttpServer::release(const std::string& address, const std::string& key) {
  std::lock_guard lock(mutex_);
  connections_.erase(key);
  if (const auto found = per_address_.find(address); found != per_address_.end() && --found->second == 0)
    per_address_.erase(found);
}

GuardedHttpServer::Connection* GuardedHttpServer::find(const httplib::Request& request) const {
  const auto found = connections_.find(request.remote_addr + ":" + std::to_string(request.remote_port));
  return found == connections_.end() ? nullptr : found->second;
}

ReadFailure GuardedHttpServer::read_failure(const httplib::Request& request) const {
  std::lock_guard lock(mutex_);
  const Connection* connection = find(request);
  return connection != nullptr ? connection->stream->read_failure() : ReadFailure::none;
}

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  if (refusing_in_accept_thread) {
    refuse(sock,
           refusal_response(503,
                            "the server has " + std::to_string(limits_.max_connections) +
                                " connections open, its limit; retry shortly",
                            "too_many_connections"),
           std::chrono::milliseconds(0));  // the accepting thread must not wait
    return true;
  }
  SocketStream stream(sock, limits_.io_timeout_s, [this] { return stopping(); });
  const std::string key = stream.remote_host() + ":" + std::to_string(stream.remote_port());
  Connection connection{&stream};
  if (!admit(stream.remote_host(), key, connection)) {
    refuse(sock,
           refusal_response(429,
                            "this client address has " + std::to_string(limits_.max_per_address) +
                                " connections open, the server's limit per address; close some or retry shortly",
                            "too_many_connections"),
           std::chrono::milliseconds(250));
    return true;
  }
  try {
    serve(stream);
  } catch (...) {  // httplib answers a handler's exception itself; nothing may end this thread abruptly
  }
  release(stream.remote_host(), key);
  // After an answer given without reading the whole body, the client may still be sending it.
  if (connection.close_requested || stream.read_failure() == ReadFailure::too_large) {
    close_lingering(sock, kLinger, kLingerBytes);
  } else {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  return true;
}

void GuardedHttpServer::serve(ConnectionStream& stream) {
  std::string address;
  int port = 0;
  stream.get_remote_ip_and_port(address, port);
  const bool listening = !stopping();  // false for a stream served without a listener (fuzzing)
  const auto stop = [this, listening] { return listening && stopping(); };
  const auto idle = std::chrono::milliseconds(milliseconds(limits_.idle_timeout_s));
  Connection* connection = nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto found = connections_.find(address + ":" + std::to_string(port));
    if (found != connections_.end()) connection = found->second;
  }
  for (std::size_t served = 0; served < limits_.max_requests_per_connection; ++served) {
    if (!stream.wait_for_request(idle, stop)) break;
    stream.limit_reads(limits_.header_timeout_s, limits_.max_header_bytes);
    const bool last = served + 1 == limits_.max_requests_per_connection || stop();
    bool closed = false;
    // Called once the headers are in: from here the body's allowance runs.
    const bool answered = process_request(stream, last, closed, [&](httplib::Request&) {
      stream.limit_reads(limits_.body_timeout_s, limits_.max_body_wire_bytes);
    });
    const bool close_requested = connection != nullptr && connection->close_requested;
    if (!answered || closed || last || stream.read_failure() != ReadFailure::none || close_requested) break;
  }
}

}  // namespace easel::serve
