#pragma once
// `easel serve` as a child process on a free loopback port, with its own --data folder, and a small
// HTTP client for it (cpp-httplib). The tests talk to the real binary over real sockets.
#include <httplib.h>

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace easel::test {

// How the server process is started beyond its arguments.
struct SpawnOptions {
  std::vector<std::string> environment;  // NAME=VALUE added to this process's environment
  long file_size_limit_kib = 0;          // RLIMIT_FSIZE (ulimit -f) when > 0: writes past it fail like a full disk
};

class ServerProcess {
 public:
  // Starts `easel serve --host 127.0.0.1 --port 0 --data DATA EXTRA…` and waits (up to 30 s) until it
  // prints the port it listens on. Fails the test when it does not.
  ServerProcess(const std::filesystem::path& data, const std::vector<std::string>& extra = {},
                const SpawnOptions& spawn = {});
  ~ServerProcess();  // SIGKILL if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  httplib::Client client(const std::string& api_key = {}) const;
  // Sends `signal` and waits for the exit; returns the exit status (or 128 + signal when killed).
  int stop(int signal);
  // Everything the server wrote to stderr so far (read after stop()).
  std::string stderr_text() const;
  // Waits up to `seconds` for the process to exit by itself; its status as stop() gives it, or -1 when
  // it is still running.
  int wait_for_exit(double seconds);
  // A field of /proc/PID/status in KiB: "VmRSS" (resident now) or "VmHWM" (peak resident).
  long memory_kib(const std::string& field) const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path stderr_file_;
};

// A raw TCP connection to the server, for what an HTTP client library will not send: bytes trickled one
// at a time, bodies without an end, malformed framing.
class RawConnection {
 public:
  explicit RawConnection(int port);  // fails the test when it cannot connect
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False once the server has closed or reset the connection.
  bool send(std::string_view bytes);
  // What arrives until the server closes the connection or `seconds` pass.
  std::string read_until_closed(double seconds);
  // Whether the server closed (or reset) the connection within `seconds`; data it sent is discarded.
  bool closed_within(double seconds);

 private:
  int fd_ = -1;
};

// The status code of a raw HTTP response ("HTTP/1.1 401 ..." → 401), 0 when there is none.
int status_of(const std::string& raw_response);

// A multipart form field: text when `filename` is empty.
httplib::MultipartFormDataItems edit_form(const std::string& prompt, const std::vector<std::string>& image_files,
                                          const std::vector<std::pair<std::string, std::string>>& fields = {});
std::string file_text(const std::filesystem::path& path);
nlohmann::json json_of(const httplib::Result& result);
std::vector<std::uint8_t> decode_base64(const std::string& text);
// The file's bytes as base64 (images in JSON job items).
std::string base64_file(const std::filesystem::path& path);

// A fresh models folder holding `sd1`, a link to the reference model (../shared/reference/sd/models/sd1):
// the server only accepts model names.
std::filesystem::path models_with_reference_sd1();

// A test suite sharing one `easel serve` whose models folder is `models` (models_with_reference_sd1()
// or a folder built on it), with the reference tokenizer and no default model. Suites call
// start_reference_server in SetUpTestSuite and stop_reference_server in TearDownTestSuite.
class ReferenceServerSuite : public ::testing::Test {
 protected:
  static void start_reference_server(const std::filesystem::path& models, const std::string& data_name);
  static void stop_reference_server();
  static ServerProcess* server_;
};

// POST a JSON body, with an Idempotency-Key header when one is given.
httplib::Result post_json(httplib::Client& client, const std::string& path, const nlohmann::json& body,
                          const std::string& idempotency_key = {});
// Polls GET /v1/jobs/ID until the job is succeeded, failed or cancelled; fails the test after `seconds`.
nlohmann::json wait_for_job(httplib::Client& client, const std::string& id, double seconds = 60);
// The body of a server-sent event stream as (event, data) pairs.
std::vector<std::pair<std::string, nlohmann::json>> parse_events(const std::string& body);

}  // namespace easel::test
