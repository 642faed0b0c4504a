#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "support/test_support.hpp"

extern char** environ;

namespace easel::test {

ServerProcess::ServerProcess(const std::filesystem::path& data, const std::vector<std::string>& extra) {
  const auto folder = temp_dir();
  const auto stdout_file = folder / "stdout.txt";
  stderr_file_ = folder / "stderr.txt";
  std::vector<std::string> args = {easel_binary().string(), "serve", "--host", "127.0.0.1", "--port", "0", "--data", data.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return;
  }
  const std::string marker = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = file_text(stdout_file);
    if (const auto at = out.find(marker); at != std::string::npos && out.find(' ', at + marker.size()) != std::string::npos) {
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

httplib::MultipartFormDataItems edit_form(const std::string& prompt, const std::vector<std::string>& image_files,
                                          const std::vector<std::pair<std::string, std::string>>& fields) {
  httplib::MultipartFormDataItems items;
  if (!prompt.empty()) items.push_back({"prompt", prompt, "", ""});
  for (const auto& file : image_files) {
    items.push_back({image_files.size() > 1 ? "image[]" : "image", file_text(file), std::filesystem::path(file).filename().string(), "image/png"});
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
  std::vector<std::uint8_t> out(text.size() / 4 * 3 + 3);
  const int written = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (written < 0) return {};
  std::size_t size = static_cast<std::size_t>(written);
  if (text.ends_with("==")) size -= 2;
  else if (text.ends_with("=")) size -= 1;
  out.resize(size);
  return out;
}

std::string base64_file(const std::filesystem::path& path) {
  const std::string bytes = file_text(path);
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

httplib::Result post_json(httplib::Client& client, const std::string& path, const nlohmann::json& body, const std::string& idempotency_key) {
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
  EXPECT_TRUE(std::filesystem::is_regular_file(reference / "model_index.json")) << "missing reference model " << reference;
  const auto models = temp_dir() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::create_symlink(std::filesystem::absolute(reference), models / "sd1");
  return models;
}

}  // namespace easel::test
