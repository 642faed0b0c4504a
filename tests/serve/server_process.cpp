#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "easel/serve/bytes_codec.hpp"
#include "support/test_support.hpp"

extern char** environ;

namespace easel::test {

ServerProcess::ServerProcess(const std::filesystem::path& data, const std::vector<std::string>& extra,
                             const SpawnOptions& spawn) {
  // A server may close a connection the test is still writing to (a refused upload): that is an error
  // on the write, as for any client, not a signal that ends the test program.
  ::signal(SIGPIPE, SIG_IGN);
  const auto folder = temp_dir();
  const auto stdout_file = folder / "stdout.txt";
  stderr_file_ = folder / "stderr.txt";
  std::vector<std::string> args = {
      easel_binary().string(), "serve", "--host", "127.0.0.1", "--port", "0", "--data", data.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  if (spawn.file_size_limit_kib > 0) {
    // The shell sets the limit and replaces itself with the server (the same process id).
    args.insert(args.begin(),
                {"/bin/sh", "-c", "ulimit -f " + std::to_string(spawn.file_size_limit_kib) + " && exec \"$0\" \"$@\""});
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment(spawn.environment);
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return;
  }
  const std::string marker = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = file_text(stdout_file);
    if (const auto at = out.find(marker);
        at != std::string::npos && out.find(' ', at + marker.size()) != std::string::npos) {
      port_ = std::stoi(out.substr(at + marker.size()));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "easel serve exited at startup: " << file_text(stderr_file_);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "easel serve did not report its port within 30 s: " << file_text(stderr_file_);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

httplib::Client ServerProcess::client(const std::string& api_key) const {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  client.set_write_timeout(60, 0);
  if (!api_key.empty()) client.set_bearer_token_auth(api_key);
  return client;
}

int ServerProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::stderr_text() const { return file_text(stderr_file_); }

int ServerProcess::wait_for_exit(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

long ServerProcess::memory_kib(const std::string& field) const {
  std::istringstream status(file_text("/proc/" + std::to_string(pid_) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  }
  ADD_FAILURE() << "no " << field << " in /proc/" << pid_ << "/status";
  return 0;
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

std::chrono::steady_clock::time_point deadline_after(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

// recv() on `fd` once data arrives before `deadline`: the byte count (0 when the peer closed, negative on
// an error), or nullopt when the deadline passed first.
std::optional<ssize_t> receive_before(int fd, std::chrono::steady_clock::time_point deadline, char* buffer,
                                      std::size_t size) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  pollfd entry{fd, POLLIN, 0};
  if (left <= 0 || ::poll(&entry, 1, static_cast<int>(left)) <= 0) return std::nullopt;
  return ::recv(fd, buffer, size, 0);
}

}  // namespace

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string RawConnection::read_until_closed(double seconds) {
  std::string received;
  const auto deadline = deadline_after(seconds);
  char buffer[4096];
  for (;;) {
    const auto count = receive_before(fd_, deadline, buffer, sizeof(buffer));
    if (!count || *count <= 0) break;
    received.append(buffer, static_cast<std::size_t>(*count));
  }
  return received;
}

bool RawConnection::closed_within(double seconds) {
  const auto deadline = deadline_after(seconds);
  char buffer[4096];
  for (;;) {
    const auto count = receive_before(fd_, deadline, buffer, sizeof(buffer));
    if (!count) return false;
    if (*count <= 0) return true;
  }
}

int status_of(const std::string& raw_response) {
  if (!raw_response.starts_with("HTTP/1.1 ") || raw_response.size() < 12) return 0;
  return std::atoi(raw_response.substr(9, 3).c_str());
}

httplib::MultipartFormDataItems edit_form(const std::string& prompt, const std::vector<std::string>& image_files,
                                          const std::vector<std::pair<std::string, std::string>>& fields) {
  httplib::MultipartFormDataItems items;
  if (!prompt.empty()) items.push_back({"prompt", prompt, "", ""});
  for (const auto& file : image_files) {
    items.push_back({image_files.size() > 1 ? "image[]" : "image", file_text(file),
                     std::filesystem::path(file).filename().string(), "image/png"});
  }
  for (const auto& [name, value] : fields) items.push_back({name, value, "", ""});
  return items;
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream out;
  out << file.rdbuf();
  return out.str();
}

nlohmann::json json_of(const httplib::Result& result) {
  if (!result) {
    ADD_FAILURE() << "no HTTP response: " << httplib::to_string(result.error());
    return nullptr;
  }
  try {
    return nlohmann::json::parse(result->body);
  } catch (const nlohmann::json::parse_error&) {
    ADD_FAILURE() << "status " << result->status << ", body is not JSON: " << result->body.substr(0, 200);
    return nullptr;
  }
}

std::vector<std::uint8_t> decode_base64(const std::string& text) {
  std::optional<std::vector<std::uint8_t>> bytes = serve::base64_decode(text);
  if (!bytes) ADD_FAILURE() << "not base64: " << text.substr(0, 80);
  return bytes.value_or(std::vector<std::uint8_t>{});
}

std::string base64_file(const std::filesystem::path& path) {
  const std::string bytes = file_text(path);
  return serve::base64_encode(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

httplib::Result post_json(httplib::Client& client, const std::string& path, const nlohmann::json& body,
                          const std::string& idempotency_key) {
  httplib::Headers headers;
  if (!idempotency_key.empty()) headers.emplace("Idempotency-Key", idempotency_key);
  return client.Post(path, headers, body.dump(), "application/json");
}

nlohmann::json wait_for_job(httplib::Client& client, const std::string& id, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  nlohmann::json job;
  while (std::chrono::steady_clock::now() < deadline) {
    job = json_of(client.Get("/v1/jobs/" + id));
    const std::string state = job.value("state", "");
    if (state == "succeeded" || state == "failed" || state == "cancelled") return job;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "job " << id << " did not finish in " << seconds << " s: " << job.dump();
  return job;
}

std::vector<std::pair<std::string, nlohmann::json>> parse_events(const std::string& body) {
  std::vector<std::pair<std::string, nlohmann::json>> events;
  std::size_t start = 0;
  while (start < body.size()) {
    const auto end = body.find("\n\n", start);
    const std::string block = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto data = block.find("\ndata: ");
    if (block.starts_with("event: ") && data != std::string::npos) {
      events.emplace_back(block.substr(7, data - 7), nlohmann::json::parse(block.substr(data + 7)));
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return events;
}

std::filesystem::path models_with_reference_sd1() {
  const auto reference = reference_dir() / "sd" / "models" / "sd1";
  EXPECT_TRUE(std::filesystem::is_regular_file(reference / "model_index.json"))
      << "missing reference model " << reference;
  const auto models = temp_dir() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::create_symlink(std::filesystem::absolute(reference), models / "sd1");
  return models;
}

ServerProcess* ReferenceServerSuite::server_ = nullptr;

void ReferenceServerSuite::start_reference_server(const std::filesystem::path& models, const std::string& data_name) {
  ::setenv("EASEL_MODELS", models.c_str(), 1);
  ::setenv("EASEL_TOKENIZER", (reference_dir() / "sd" / "tokenizer").c_str(), 1);
  ::unsetenv("EASEL_MODEL");
  server_ = new ServerProcess(temp_dir() / data_name);
}

void ReferenceServerSuite::stop_reference_server() {
  delete server_;
  server_ = nullptr;
  ::unsetenv("EASEL_MODELS");
  ::unsetenv("EASEL_TOKENIZER");
}

}  // namespace easel::test
