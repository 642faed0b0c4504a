#include "loopback_hub.hpp"

#include <array>
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace easel::test {
namespace {

std::string digest_hex(const EVP_MD* algorithm, const std::string& bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, algorithm, nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

}  // namespace

std::string sha256_hex(const std::string& bytes) { return digest_hex(EVP_sha256(), bytes); }
std::string git_blob_id(const std::string& bytes) {
  std::string object = "blob " + std::to_string(bytes.size());
  object.push_back('\0');
  return digest_hex(EVP_sha1(), object + bytes);
}

LoopbackHub::LoopbackHub() {
  server_.Get(R"(/api/models/([^/]+)/([^/]+)/revision/([^/]+))", [this](const httplib::Request& request,
                                                                        httplib::Response& response) {
    std::lock_guard lock(mutex_);
    authorizations_.push_back(request.get_header_value("Authorization"));
    const auto found = repos_.find(std::string(request.matches[1]) + "/" + std::string(request.matches[2]));
    if (found == repos_.end()) {
      response.status = 404;
      response.set_content(R"({"error":"Repository not found"})", "application/json");
      return;
    }
    nlohmann::json siblings = nlohmann::json::array();
    for (const auto& [path, file] : found->second.files) {
      nlohmann::json sibling = {{"rfilename", path}, {"size", file.bytes.size()}};
      if (file.lfs) {
        sibling["blobId"] = git_blob_id("version https://git-lfs.github.com/spec/v1\n");  // the pointer's blob
        sibling["lfs"] = {{"sha256", sha256_hex(file.bytes)}, {"size", file.bytes.size()}, {"pointerSize", 134}};
      } else {
        sibling["blobId"] = git_blob_id(file.bytes);
      }
      siblings.push_back(sibling);
    }
    const nlohmann::json info = {{"id", found->first}, {"sha", found->second.commit}, {"siblings", siblings}};
    response.set_content(info.dump(), "application/json");
  });
  server_.Get(R"(/lfs-cdn/([0-9a-f]+))", [this](const httplib::Request& request, httplib::Response& response) {
    std::string path, bytes;
    {
      std::lock_guard lock(mutex_);
      const auto found = lfs_by_sha_.find(request.matches[1]);
      if (found == lfs_by_sha_.end()) {
        response.status = 404;
        return;
      }
      std::tie(path, bytes) = found->second;
    }
    response.set_header("ETag", "\"cdn-" + std::to_string(bytes.size()) + "\"");  // not a content digest, as on S3
    serve_body(request, response, path, bytes);
  });
  server_.Get(
      R"(/([^/]+)/([^/]+)/resolve/([^/]+)/(.+))", [this](const httplib::Request& request, httplib::Response& response) {
        const std::string path = request.matches[4];
        HubFile file;
        std::string commit;
        {
          std::lock_guard lock(mutex_);
          const auto repo = repos_.find(std::string(request.matches[1]) + "/" + std::string(request.matches[2]));
          if (repo == repos_.end() || !repo->second.files.contains(path)) {
            response.status = 404;
            response.set_header("X-Error-Code", "EntryNotFound");
            return;
          }
          file = repo->second.files.at(path);
          commit = repo->second.commit;
        }
        response.set_header("X-Repo-Commit", commit);
        if (file.lfs) {
          const std::string sha = sha256_hex(file.bytes);
          response.set_header("X-Linked-Etag", "\"" + sha + "\"");
          response.set_header("X-Linked-Size", std::to_string(file.bytes.size()));
          response.set_header("ETag", "\"" + git_blob_id("pointer") + "\"");
          response.set_redirect("/lfs-cdn/" + sha, 302);
          return;
        }
        response.set_header("ETag", "\"" + git_blob_id(file.bytes) + "\"");
        serve_body(request, response, path, file.bytes);
      });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

LoopbackHub::~LoopbackHub() {
  release();
  server_.stop();
  thread_.join();
}

std::string LoopbackHub::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

void LoopbackHub::add_repo(const std::string& repo, const std::string& commit, std::map<std::string, HubFile> files) {
  std::lock_guard lock(mutex_);
  for (const auto& [path, file] : files)
    if (file.lfs) lfs_by_sha_[sha256_hex(file.bytes)] = {path, file.bytes};
  repos_[repo] = {commit, std::move(files)};
}

void LoopbackHub::drop_once(const std::string& path) {
  std::lock_guard lock(mutex_);
  drop_path_ = path;
}
void LoopbackHub::corrupt(const std::string& path) {
  std::lock_guard lock(mutex_);
  corrupt_path_ = path;
}
void LoopbackHub::pause(const std::string& path) {
  std::lock_guard lock(mutex_);
  pause_path_ = path;
}
bool LoopbackHub::wait_until_paused(int seconds) {
  std::unique_lock lock(mutex_);
  return released_.wait_for(lock, std::chrono::seconds(seconds), [this] { return paused_; });
}
void LoopbackHub::release() {
  std::lock_guard lock(mutex_);
  release_ = true;
  released_.notify_all();
}
std::vector<std::string> LoopbackHub::range_headers(const std::string& path) {
  std::lock_guard lock(mutex_);
  return ranges_[path];
}
int LoopbackHub::body_requests(const std::string& path) {
  std::lock_guard lock(mutex_);
  return requests_[path];
}

std::vector<std::string> LoopbackHub::listing_authorizations() {
  std::lock_guard lock(mutex_);
  return authorizations_;
}

void LoopbackHub::serve_body(const httplib::Request& request, httplib::Response& response, const std::string& path,
                             const std::string& original) {
  std::string bytes = original;
  bool drop = false, pause = false;
  {
    std::lock_guard lock(mutex_);
    ++requests_[path];
    if (request.has_header("Range")) ranges_[path].push_back(request.get_header_value("Range"));
    if (path == corrupt_path_) bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
    drop = path == drop_path_;
    if (drop) drop_path_.clear();
    pause = path == pause_path_;
  }
  const std::size_t half = bytes.size() / 2;
  response.set_content_provider(
      bytes.size(), "application/octet-stream",
      [this, bytes, half, drop, pause](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        const std::size_t end = offset + length;
        if ((drop || pause) && offset < half && end > half) {
          sink.write(bytes.data() + offset, half - offset);
          if (drop) return false;  // closes the connection with the body half sent
          std::unique_lock lock(mutex_);
          paused_ = true;
          released_.notify_all();
          released_.wait_for(lock, std::chrono::seconds(60), [this] { return release_; });
          offset = half;
        }
        return sink.write(bytes.data() + offset, std::min<std::size_t>(end - offset, 1 << 16));
      });
}

}  // namespace easel::test
