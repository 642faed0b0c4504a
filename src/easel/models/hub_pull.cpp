#include "easel/models/hub_pull.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2 (glibc 2.28)
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/models/checksum.hpp"
#include "easel/models/model_store.hpp"

namespace easel::models {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int max_attempts = 6;     // per file: the first transfer and five resumptions
constexpr long stall_seconds = 60;  // a transfer receiving nothing this long is retried
const std::set<std::string> fetched_extensions{".safetensors", ".json", ".txt"};

// What the server said about one file: huggingface_hub reads the same headers (file_download.py).
struct ResponseFacts {
  long status = 0;
  std::string linked_etag;  // X-Linked-Etag of the resolve response: an LFS file's SHA-256
  std::string first_etag;   // ETag of the first response (the resolve endpoint), not of a CDN it redirects to
  std::optional<std::uint64_t> linked_size;
  int responses = 0;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(std::string text) {
  const auto space = [](unsigned char c) { return std::isspace(c); };
  text.erase(text.begin(), std::find_if_not(text.begin(), text.end(), space));
  text.erase(std::find_if_not(text.rbegin(), text.rend(), space).base(), text.end());
  return text;
}

// huggingface_hub's normalisation: drop a weak-validator prefix and the quotes.
std::string normalize_etag(std::string etag) {
  if (etag.starts_with("W/")) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return lower(etag);
}

bool is_hex(const std::string& text, std::size_t length) {
  return text.size() == length &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c); });
}

std::string url_escape(const std::string& text, bool keep_slash) {
  std::string escaped;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      escaped.push_back(static_cast<char>(c));
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      escaped += hex;
    }
  }
  return escaped;
}

std::string human_bytes(std::uint64_t bytes) {
  char text[32];
  if (bytes >= (1ull << 30))
    std::snprintf(text, sizeof text, "%.2f GiB", static_cast<double>(bytes) / (1ull << 30));
  else
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1ull << 20));
  return text;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

// One GET with the hub's conventions: follows redirects (the resolve endpoint redirects LFS files to
// a CDN), a bearer token from $HF_TOKEN (curl does not forward it to another host), identity encoding.
class Transfer {
 public:
  explicit Transfer(const std::string& url)
      : handle_(curl_easy_init(), curl_easy_cleanup), headers_(nullptr, curl_slist_free_all) {
    static CurlGlobal global;
    if (!handle_) throw Error(ErrorKind::internal, "libcurl could not start a transfer");
    curl_slist* list = curl_slist_append(nullptr, "Accept-Encoding: identity");
    if (const char* token = std::getenv("HF_TOKEN"); token && *token)
      list = curl_slist_append(list, ("Authorization: Bearer " + std::string(token)).c_str());
    headers_.reset(list);
    CURL* curl = handle_.get();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers_.get());
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "easel/0.1.0");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");  // a redirect may not reach file:// or others
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_seconds);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    error_[0] = '\0';
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_);
  }

  // Runs the transfer. `sink` receives the final response's body once its status is known.
  CURLcode run(std::function<bool(long status, const char* data, std::size_t size)> sink,
               std::function<void(std::uint64_t received)> on_progress = {}) {
    sink_ = std::move(sink);
    on_progress_ = std::move(on_progress);
    if (on_progress_) {
      curl_easy_setopt(handle_.get(), CURLOPT_XFERINFOFUNCTION, &Transfer::on_xfer);
      curl_easy_setopt(handle_.get(), CURLOPT_XFERINFODATA, this);
      curl_easy_setopt(handle_.get(), CURLOPT_NOPROGRESS, 0L);
    }
    const CURLcode code = curl_easy_perform(handle_.get());
    curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &facts_.status);
    return code;
  }

  void set_range_from(std::uint64_t offset) {
    if (offset > 0) curl_easy_setopt(handle_.get(), CURLOPT_RANGE, (std::to_string(offset) + "-").c_str());
  }
  const ResponseFacts& facts() const { return facts_; }
  std::string error_text(CURLcode code) const { return error_[0] ? error_ : curl_easy_strerror(code); }

 private:
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self_pointer) {
    auto& self = *static_cast<Transfer*>(self_pointer);
    const std::string line(data, size * count);
    if (line.starts_with("HTTP/")) {
      ++self.facts_.responses;
    } else if (const auto colon = line.find(':'); colon != std::string::npos) {
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string value = trim(line.substr(colon + 1));
      if (name == "x-linked-etag" && self.facts_.linked_etag.empty()) self.facts_.linked_etag = normalize_etag(value);
      if (name == "etag" && self.facts_.responses == 1) self.facts_.first_etag = normalize_etag(value);
      if (name == "x-linked-size" && !self.facts_.linked_size) {
        char* end = nullptr;
        const unsigned long long parsed = std::strtoull(value.c_str(), &end, 10);
        if (end && *end == '\0' && !value.empty()) self.facts_.linked_size = parsed;
      }
    }
    return size * count;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self_pointer) {
    auto& self = *static_cast<Transfer*>(self_pointer);
    long status = 0;
    curl_easy_getinfo(self.handle_.get(), CURLINFO_RESPONSE_CODE, &status);
    return self.sink_(status, data, size * count) ? size * count : 0;
  }

  static int on_xfer(void* self_pointer, curl_off_t, curl_off_t now, curl_off_t, curl_off_t) {
    static_cast<Transfer*>(self_pointer)->on_progress_(static_cast<std::uint64_t>(now));
    return 0;
  }

  CurlHandle handle_;
  HeaderList headers_;
  ResponseFacts facts_;
  char error_[CURL_ERROR_SIZE];
  std::function<bool(long, const char*, std::size_t)> sink_;
  std::function<void(std::uint64_t)> on_progress_;
};

// `subject` is what to check when the server answers 404: the repository, or a file's URL.
[[noreturn]] void throw_for_status(long status, const std::string& what, const std::string& subject) {
  if (status == 401 || status == 403)
    throw Error(ErrorKind::capability, what + ": the hub refused access (HTTP " + std::to_string(status) +
                                           "); for a gated or private repository accept its licence on the hub "
                                           "and set HF_TOKEN to an access token");
  if (status == 404)
    throw Error(ErrorKind::input, what + ": not found on " + hub_endpoint() + " (HTTP 404); check " + subject +
                                      ", the revision and the file names");
  throw Error(ErrorKind::input, what + ": the hub answered HTTP " + std::to_string(status));
}

json fetch_json(const std::string& url, const std::string& what, const std::string& repo) {
  std::string body;
  Transfer transfer(url);
  const CURLcode code = transfer.run([&](long, const char* data, std::size_t size) {
    if (body.size() + size > (64u << 20)) return false;  // a model's file listing is far smaller
    body.append(data, size);
    return true;
  });
  if (code != CURLE_OK)
    throw Error(ErrorKind::input, what + ": cannot reach " + hub_endpoint() + ": " + transfer.error_text(code));
  if (transfer.facts().status != 200)
    throw_for_status(transfer.facts().status, what, "the repository \"" + repo + "\"");
  json value = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object())
    throw Error(ErrorKind::input, what + ": the hub's answer is not a JSON object");
  return value;
}

// One file of the repository as the API describes it.
struct RemoteFile {
  std::string path;
  std::optional<std::uint64_t> size;
  std::string sha256;   // LFS files
  std::string blob_id;  // files stored in Git
};

// Repository paths come from the server: refuse any that could leave the staging folder.
bool safe_repo_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string::npos ||
      path.find('\0') != std::string::npos)
    return false;
  for (const auto& part : fs::path(path))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

bool fetched_kind(const std::string& path) {
  return fetched_extensions.contains(lower(fs::path(path).extension().string()));
}

std::map<std::string, RemoteFile> remote_files(const json& info) {
  std::map<std::string, RemoteFile> files;
  if (!info.contains("siblings") || !info["siblings"].is_array())
    throw Error(ErrorKind::input, "the hub's answer has no file list (\"siblings\")");
  for (const auto& sibling : info["siblings"]) {
    if (!sibling.is_object() || !sibling.contains("rfilename") || !sibling["rfilename"].is_string()) continue;
    RemoteFile file;
    file.path = sibling["rfilename"].get<std::string>();
    if (!safe_repo_path(file.path)) throw Error(ErrorKind::input, "the hub listed an unsafe file path: " + file.path);
    if (sibling.contains("size") && sibling["size"].is_number_unsigned())
      file.size = sibling["size"].get<std::uint64_t>();
    if (sibling.contains("blobId") && sibling["blobId"].is_string())
      file.blob_id = lower(sibling["blobId"].get<std::string>());
    if (sibling.contains("lfs") && sibling["lfs"].is_object()) {
      const json& lfs = sibling["lfs"];
      if (lfs.contains("sha256") && lfs["sha256"].is_string()) file.sha256 = lower(lfs["sha256"].get<std::string>());
      if (lfs.contains("size") && lfs["size"].is_number_unsigned()) file.size = lfs["size"].get<std::uint64_t>();
      file.blob_id.clear();  // the Git blob of an LFS file is its pointer, not its content
    }
    files[file.path] = file;
  }
  return files;
}

// A diffusers variant file ("diffusion_pytorch_model.fp16.safetensors") has a second dot in its name.
bool variant_weights(const std::string& path) {
  return lower(fs::path(path).extension().string()) == ".safetensors" && fs::path(path).stem().has_extension();
}

// Without --file: a diffusers repository's pipeline components named in model_index.json (the default
// weights, not the fp16/ema variants), or the top-level files of a single-file repository.
std::vector<std::string> default_selection(const std::map<std::string, RemoteFile>& files,
                                           const fs::path& model_index) {
  std::vector<std::string> selected;
  if (model_index.empty()) {
    for (const auto& [path, file] : files)
      if (path.find('/') == std::string::npos && fetched_kind(path)) selected.push_back(path);
    return selected;
  }
  std::ifstream in(model_index);
  const json index = json::parse(in, nullptr, false);
  if (index.is_discarded() || !index.is_object())
    throw Error(ErrorKind::input, "the repository's model_index.json is not a JSON object");
  selected.push_back("model_index.json");
  for (const auto& [component, spec] : index.items()) {
    if (component.starts_with('_') || !spec.is_array() || spec.empty() || spec[0].is_null()) continue;
    bool has_weights = false, has_pickle = false, has_files = false;
    for (const auto& [path, file] : files) {
      if (!path.starts_with(component + "/")) continue;
      has_files = true;
      const std::string extension = lower(fs::path(path).extension().string());
      if (extension == ".bin" || extension == ".ckpt" || extension == ".pt" || extension == ".pth") has_pickle = true;
      if (!fetched_kind(path) || variant_weights(path)) continue;
      selected.push_back(path);
      has_weights = has_weights || extension == ".safetensors";
    }
    const bool needs_weights = component == "unet" || component == "vae" || component == "text_encoder";
    if (needs_weights && has_files && !has_weights)
      throw Error(ErrorKind::input, "component \"" + component + "\" of this repository has no .safetensors weights" +
                                        (has_pickle ? " (only pickle files, which Easel never loads because loading "
                                                      "them runs arbitrary code)"
                                                    : "") +
                                        "; choose files with --file or another repository");
  }
  return selected;
}

// Serialises pulls of one repository: a second `easel models pull` of it waits for nothing and fails.
class StagingLock {
 public:
  explicit StagingLock(const fs::path& folder)
      : fd_(::open((folder / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw Error(ErrorKind::output, "cannot create " + (folder / ".lock").string());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      throw Error(ErrorKind::usage,
                  "another `easel models pull` of this repository is running (" + folder.string() + ")");
    }
  }
  ~StagingLock() { ::close(fd_); }
  StagingLock(const StagingLock&) = delete;
  StagingLock& operator=(const StagingLock&) = delete;

 private:
  int fd_;
};

std::uint64_t file_size_or_zero(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : size;
}

// Downloads one file to `part`, continuing what is already there. Returns the server's checksum facts.
// A part already complete from an earlier run needs no request when the file list carries its digest.
ResponseFacts download(const std::string& url, const fs::path& part, std::optional<std::uint64_t> expected_size,
                       bool digest_listed, PullProgress progress, const PullProgressCallback& report,
                       PullResult& result) {
  ResponseFacts facts;
  std::string last_failure;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::uint64_t offset = file_size_or_zero(part);
    if (expected_size && offset > *expected_size) {
      fs::remove(part);
      offset = 0;
    }
    progress.done = offset;
    if (expected_size && offset == *expected_size && fs::exists(part) && (digest_listed || facts.responses > 0))
      return facts;
    if (attempt > 0) {
      progress.event = "retry";
      report(progress);
      std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt * attempt));
    }
    progress.event = offset > 0 ? "resume" : "download";
    report(progress);
    if (offset > 0) ++result.resumed;

    Transfer transfer(url);
    transfer.set_range_from(offset);
    std::ofstream out;
    long body_status = 0;
    bool oversized = false;
    std::uint64_t written = 0;
    const CURLcode code = transfer.run(
        [&](long status, const char* data, std::size_t size) {
          if (!out.is_open()) {
            body_status = status;
            if (status != 200 && status != 206) return true;  // an error page: not written to the file
            // 200 to a Range request means the server ignored the range: the body starts from byte 0.
            out.open(part, std::ios::binary | (status == 206 ? std::ios::app : std::ios::trunc));
            if (!out) return false;
          }
          if (body_status != 200 && body_status != 206) return true;
          const std::uint64_t start = body_status == 206 ? offset : 0;
          if (expected_size && start + written + size > *expected_size) {
            oversized = true;
            return false;
          }
          out.write(data, static_cast<std::streamsize>(size));
          written += size;
          result.bytes += size;
          return static_cast<bool>(out);
        },
        [&, base = offset](std::uint64_t received) {
          progress.event = "progress";
          progress.done = (body_status == 200 ? 0 : base) + received;
          report(progress);
        });
    out.close();
    facts = transfer.facts();
    if (!expected_size && facts.linked_size) expected_size = facts.linked_size;
    const long status = facts.status;
    if (code == CURLE_OK && status == 416) {  // nothing left past our offset: the part is stale; start over
      fs::remove(part);
      last_failure = "the server rejected the resume range";
      continue;
    }
    if (code == CURLE_OK && status != 200 && status != 206) {
      if (status >= 500) {
        last_failure = "HTTP " + std::to_string(status);
        continue;
      }
      throw_for_status(status, "downloading " + progress.file, url);  // 404 here: the file vanished from the revision
    }
    if (oversized) {
      fs::remove(part);
      throw Error(ErrorKind::input, progress.file + ": the server sent more bytes than the " +
                                        std::to_string(*expected_size) + " the hub lists");
    }
    if (code == CURLE_WRITE_ERROR) throw Error(ErrorKind::output, "cannot write " + part.string());
    const std::uint64_t now = file_size_or_zero(part);
    if (code == CURLE_OK && (!expected_size || now == *expected_size)) return facts;
    last_failure = code == CURLE_OK ? "the body ended after " + std::to_string(now) + " bytes"
                                    : transfer.error_text(code) + " after " + std::to_string(now) + " bytes";
  }
  throw Error(ErrorKind::input, "downloading " + progress.file + " failed " + std::to_string(max_attempts) +
                                    " times (last: " + last_failure + "); run the pull again to resume from " +
                                    std::to_string(file_size_or_zero(part)) + " bytes");
}

// Checks a downloaded file against every digest the hub published for it, as huggingface_hub keys its
// cache by the same ETag; a file the hub gives no digest for is refused, like huggingface_hub does.
void verify(const fs::path& file, const RemoteFile& remote, const ResponseFacts& facts, const std::string& repo) {
  std::string sha256 = remote.sha256;
  std::string blob_id = remote.blob_id;
  const std::string etag = !facts.linked_etag.empty() ? facts.linked_etag : facts.first_etag;
  if (is_hex(etag, 64)) {
    if (!sha256.empty() && sha256 != etag)
      throw Error(ErrorKind::input, remote.path + ": the hub's file list and its ETag disagree on the SHA-256");
    sha256 = etag;
  } else if (is_hex(etag, 40) && remote.sha256.empty()) {
    blob_id = etag;
  }
  if (sha256.empty() && blob_id.empty())
    throw Error(ErrorKind::input, remote.path +
                                      ": the server gave no checksum (no ETag and no sha256 in the file "
                                      "list), so the download cannot be verified");
  const auto mismatch = [&](const char* kind, const std::string& got, const std::string& expected) {
    fs::remove(file);  // a rerun downloads it afresh instead of resuming corrupt bytes
    throw Error(ErrorKind::input, remote.path + " from " + repo + " is corrupt: its " + kind + " is " + got +
                                      " but the hub publishes " + expected +
                                      "; nothing was installed, run the pull again");
  };
  if (!sha256.empty()) {
    if (const std::string got = sha256_of_file(file); got != sha256) mismatch("SHA-256", got, sha256);
  } else if (const std::string got = git_blob_id_of_file(file); got != blob_id) {
    mismatch("Git blob id", got, blob_id);
  }
  if (remote.size && file_size_or_zero(file) != *remote.size)
    throw Error(ErrorKind::input, remote.path + " has " + std::to_string(file_size_or_zero(file)) +
                                      " bytes but the hub lists " + std::to_string(*remote.size));
}

void check_repo_id(const std::string& repo) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
  if (!std::regex_match(repo, pattern) || repo.find("--") != std::string::npos || repo.find("..") != std::string::npos)
    throw Error(ErrorKind::usage, "\"" + repo +
                                      "\" is not a Hugging Face model repository: expected ORG/NAME "
                                      "(letters, digits, '-', '_', '.'), e.g. stabilityai/sd-turbo");
}

void check_revision(const std::string& revision) {
  static const std::regex pattern("[A-Za-z0-9._/-]+");
  if (!std::regex_match(revision, pattern) || revision.find("..") != std::string::npos)
    throw Error(ErrorKind::usage, "invalid --revision \"" + revision + "\": a branch, tag or commit hash");
}

// Puts the staged folder at `target` in one step. An existing model keeps the files this pull did not
// fetch (hard links into the staging folder), then the two folders are exchanged atomically.
void publish(const fs::path& staging, const fs::path& target) {
  fs::create_directories(target.parent_path());
  if (!fs::exists(target)) {
    fs::rename(staging, target);
    return;
  }
  for (const auto& entry : fs::recursive_directory_iterator(target)) {
    const fs::path relative = fs::relative(entry.path(), target);
    const fs::path staged = staging / relative;
    if (entry.is_directory())
      fs::create_directories(staged);
    else if (entry.is_regular_file() && !fs::exists(staged))
      fs::create_hard_link(entry.path(), staged);
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0)
    throw Error(ErrorKind::output, "cannot move the downloaded model into " + target.string());
  fs::remove_all(staging);  // now the previous version
}

}  // namespace

std::string hub_endpoint() {
  std::string endpoint = "https://huggingface.co";
  if (const char* value = std::getenv("HF_ENDPOINT"); value && *value) endpoint = value;
  while (endpoint.ends_with('/')) endpoint.pop_back();
  return endpoint;
}

PullResult pull_model(const PullRequest& request, const PullProgressCallback& progress) {
  check_repo_id(request.repo);
  check_revision(request.revision);
  for (const auto& file : request.files) {
    if (!safe_repo_path(file))
      throw Error(ErrorKind::usage, "--file \"" + file + "\" is not a path inside the repository");
    if (!fetched_kind(file))
      throw Error(ErrorKind::usage, "--file " + file +
                                        ": Easel downloads only .safetensors, .json and .txt files "
                                        "(pickle weights such as .ckpt and .bin run code when loaded)");
  }
  const PullProgressCallback report = progress ? progress : [](const PullProgress&) {};
  const std::string endpoint = hub_endpoint();
  const json info = fetch_json(
      endpoint + "/api/models/" + request.repo + "/revision/" + url_escape(request.revision, false) + "?blobs=true",
      "looking up " + request.repo + " at revision " + request.revision, request.repo);
  const std::map<std::string, RemoteFile> remote = remote_files(info);
  std::string commit = info.value("sha", std::string());
  if (!is_hex(commit, 40)) commit.clear();
  const std::string revision_path = url_escape(commit.empty() ? request.revision : commit, false);

  const fs::path root = models_dir();
  const std::string folder_name = request.repo.substr(0, request.repo.find('/')) + "--" +
                                  request.repo.substr(request.repo.find('/') + 1) + "--" +
                                  (commit.empty() ? url_escape(request.revision, false) : commit);
  const fs::path staging = root / ".partial" / folder_name;
  fs::create_directories(staging);
  const StagingLock lock(staging);

  PullResult result;
  result.name = request.repo;
  result.commit = commit;
  const auto file_url = [&](const std::string& path) {
    return endpoint + "/" + request.repo + "/resolve/" + revision_path + "/" + url_escape(path, true);
  };

  std::vector<std::string> selection = request.files;
  std::size_t position = 0;
  const auto fetch = [&](const std::string& path, std::size_t count) {
    const auto found = remote.find(path);
    if (found == remote.end())
      throw Error(ErrorKind::input, request.repo + " has no file \"" + path + "\" at revision " + request.revision);
    const RemoteFile& file = found->second;
    const fs::path final_path = staging / path;
    PullProgress state{path, position++, count, 0, file.size.value_or(0), "skip"};
    if (fs::exists(final_path)) {  // verified earlier (by an interrupted run, or model_index.json just now)
      state.done = file_size_or_zero(final_path);
      if (path != "model_index.json" || count == 1) report(state);
      return;
    }
    fs::create_directories(final_path.parent_path());
    fs::path part = final_path;
    part += ".part";
    const ResponseFacts facts =
        download(file_url(path), part, file.size, !file.sha256.empty() || !file.blob_id.empty(), state, report, result);
    state.event = "verify";
    state.done = file_size_or_zero(part);
    report(state);
    verify(part, file, facts, request.repo);
    fs::rename(part, final_path);
  };

  if (selection.empty()) {
    fs::path index;
    if (remote.contains("model_index.json")) {
      fetch("model_index.json", 1);  // read first: it names the components to fetch
      index = staging / "model_index.json";
    }
    selection = default_selection(remote, index);
    if (selection.empty())
      throw Error(ErrorKind::input, request.repo + " has no .safetensors, .json or .txt files to download");
  }
  std::uint64_t needed = 0;
  for (const auto& path : selection)
    if (const auto found = remote.find(path); found != remote.end() && !fs::exists(staging / path))
      needed += found->second.size.value_or(0);
  if (const auto space = fs::space(root); space.available < needed)
    throw Error(ErrorKind::output, "not enough disk space in " + root.string() + ": the model needs " +
                                       human_bytes(needed) + ", " + human_bytes(space.available) + " are free");
  position = 0;
  for (const auto& path : selection) fetch(path, selection.size());
  result.files = selection;

  json source = {{"repo", request.repo},
                 {"revision", request.revision},
                 {"commit", commit},
                 {"endpoint", endpoint},
                 {"files", selection}};
  std::ofstream(staging / ".easel-source.json") << source.dump(2) << "\n";
  fs::remove(staging / ".lock");  // the lock's file descriptor stays valid until the pull returns
  result.folder = root / request.repo;
  publish(staging, result.folder);
  return result;
}

}  // namespace easel::models
