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

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/models/checksum.hpp"
#include "easel/models/hub_transfer.hpp"

namespace easel::models {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int max_attempts = 6;  // per file: the first transfer and five resumptions
const std::set<std::string> fetched_extensions{".safetensors", ".json", ".txt"};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
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

// `subject` is what to check when the server answers 404: the repository, or a file's URL.
[[noreturn]] void throw_for_status(long status, const std::string& what, const std::string& subject,
                                   const std::string& endpoint) {
  if (status == 401 || status == 403)
    throw Error(ErrorKind::capability, what + ": the hub refused access (HTTP " + std::to_string(status) +
                                           "); for a gated or private repository accept its licence on the hub "
                                           "and set HF_TOKEN to an access token");
  if (status == 404)
    throw Error(ErrorKind::input, what + ": not found on " + endpoint + " (HTTP 404); check " + subject +
                                      ", the revision and the file names");
  throw Error(ErrorKind::input, what + ": the hub answered HTTP " + std::to_string(status));
}

json fetch_json(const HubSettings& hub, const std::string& url, const std::string& what, const std::string& repo) {
  std::string body;
  HubTransfer transfer(url, hub.token);
  const CURLcode code = transfer.run([&](long, const char* data, std::size_t size) {
    if (body.size() + size > (64u << 20)) return false;  // a model's file listing is far smaller
    body.append(data, size);
    return true;
  });
  if (code != CURLE_OK)
    throw Error(ErrorKind::input, what + ": cannot reach " + hub.endpoint + ": " + transfer.error_text(code));
  if (transfer.facts().status != 200)
    throw_for_status(transfer.facts().status, what, "the repository \"" + repo + "\"", hub.endpoint);
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

// One file being downloaded to its .part file.
struct PartDownload {
  std::string url;
  fs::path part;
  std::optional<std::uint64_t> expected_size;  // from the file list, else X-Linked-Size once a response gave it
  bool digest_listed = false;                  // the file list carries its SHA-256 or Git blob id
  PullProgress progress;
};

// What one transfer of a part did.
struct PartTransfer {
  CURLcode code = CURLE_OK;
  ResponseFacts facts;
  std::uint64_t written = 0;  // body bytes added to the part
  bool oversized = false;     // the body went past expected_size: stopped there
  std::string error_text;     // curl's, when code is not CURLE_OK
};

// What is already on disk to continue from; a part longer than the file is removed.
std::uint64_t resume_offset(const PartDownload& download) {
  const std::uint64_t offset = file_size_or_zero(download.part);
  if (download.expected_size && offset > *download.expected_size) {
    fs::remove(download.part);
    return 0;
  }
  return offset;
}

// One GET of the part's bytes from `offset`: a 206 appends them to the part; a 200 (the server ignored
// the range) rewrites it from byte 0; an error page is not written at all.
PartTransfer transfer_part(PartDownload& download, std::uint64_t offset, const std::string& token,
                           const PullProgressCallback& report) {
  HubTransfer transfer(download.url, token);
  transfer.set_range_from(offset);
  PartTransfer outcome;
  std::ofstream out;
  long body_status = 0;
  outcome.code = transfer.run(
      [&](long status, const char* data, std::size_t size) {
        if (!out.is_open()) {
          body_status = status;
          if (status != 200 && status != 206) return true;
          out.open(download.part, std::ios::binary | (status == 206 ? std::ios::app : std::ios::trunc));
          if (!out) return false;
        }
        if (body_status != 200 && body_status != 206) return true;
        const std::uint64_t start = body_status == 206 ? offset : 0;
        if (download.expected_size && start + outcome.written + size > *download.expected_size) {
          outcome.oversized = true;
          return false;
        }
        out.write(data, static_cast<std::streamsize>(size));
        outcome.written += size;
        return static_cast<bool>(out);
      },
      [&, base = offset](std::uint64_t received) {
        download.progress.event = "progress";
        download.progress.done = (body_status == 200 ? 0 : base) + received;
        report(download.progress);
      });
  out.close();
  outcome.facts = transfer.facts();
  if (outcome.code != CURLE_OK) outcome.error_text = transfer.error_text(outcome.code);
  return outcome;
}

// What a finished transfer means for the part: nothing when the part is complete, else why it is worth
// another transfer. Throws when another cannot help: access refused, the file gone from the revision,
// more bytes than the hub lists, the disk failing.
std::optional<std::string> retry_reason(const PartDownload& download, const PartTransfer& transfer,
                                        const std::string& endpoint) {
  const long status = transfer.facts.status;
  if (transfer.code == CURLE_OK && status == 416) {  // nothing left past our offset: the part is stale; start over
    fs::remove(download.part);
    return "the server rejected the resume range";
  }
  if (transfer.code == CURLE_OK && status != 200 && status != 206) {
    if (status >= 500) return "HTTP " + std::to_string(status);
    throw_for_status(status, "downloading " + download.progress.file, download.url, endpoint);
  }
  if (transfer.oversized) {
    fs::remove(download.part);
    throw Error(ErrorKind::input, download.progress.file + ": the server sent more bytes than the " +
                                      std::to_string(*download.expected_size) + " the hub lists");
  }
  if (transfer.code == CURLE_WRITE_ERROR) throw Error(ErrorKind::output, "cannot write " + download.part.string());
  const std::uint64_t now = file_size_or_zero(download.part);
  if (transfer.code == CURLE_OK && (!download.expected_size || now == *download.expected_size)) return std::nullopt;
  return (transfer.code == CURLE_OK ? "the body ended" : transfer.error_text) + " after " + std::to_string(now) +
         " bytes";
}

// Downloads one file to its part, continuing what is already there, in up to max_attempts transfers.
// Returns the server's checksum facts. A part already complete from an earlier run needs no request when
// the file list carries its digest.
ResponseFacts download(PartDownload download, const HubSettings& hub, const PullProgressCallback& report,
                       PullResult& result) {
  ResponseFacts facts;
  std::string last_failure;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    const std::uint64_t offset = resume_offset(download);
    download.progress.done = offset;
    if (download.expected_size && offset == *download.expected_size && fs::exists(download.part) &&
        (download.digest_listed || facts.responses > 0))
      return facts;
    if (attempt > 0) {
      download.progress.event = "retry";
      report(download.progress);
      std::this_thread::sleep_for(std::chrono::milliseconds(250 * attempt * attempt));
    }
    download.progress.event = offset > 0 ? "resume" : "download";
    report(download.progress);
    if (offset > 0) ++result.resumed;
    const PartTransfer transfer = transfer_part(download, offset, hub.token, report);
    result.bytes += transfer.written;
    facts = transfer.facts;
    if (!download.expected_size && facts.linked_size) download.expected_size = facts.linked_size;
    const std::optional<std::string> failure = retry_reason(download, transfer, hub.endpoint);
    if (!failure) return facts;
    last_failure = *failure;
  }
  throw Error(ErrorKind::input, "downloading " + download.progress.file + " failed " + std::to_string(max_attempts) +
                                    " times (last: " + last_failure + "); run the pull again to resume from " +
                                    std::to_string(file_size_or_zero(download.part)) + " bytes");
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

void check_request(const PullRequest& request) {
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
}

// The revision as the hub lists it: its files and the commit it resolves to (empty when the hub gave none).
struct RevisionListing {
  std::map<std::string, RemoteFile> files;
  std::string commit;
};

RevisionListing list_revision(const PullRequest& request, const HubSettings& hub) {
  const json info = fetch_json(
      hub,
      hub.endpoint + "/api/models/" + request.repo + "/revision/" + url_escape(request.revision, false) + "?blobs=true",
      "looking up " + request.repo + " at revision " + request.revision, request.repo);
  RevisionListing listing{remote_files(info), info.value("sha", std::string())};
  if (!is_hex(listing.commit, 40)) listing.commit.clear();
  return listing;
}

// The files of one pull, fetched into its staging folder and verified there.
class StagedFiles {
 public:
  StagedFiles(const PullRequest& request, const RevisionListing& listing, fs::path staging, const HubSettings& hub,
              const PullProgressCallback& report, PullResult& result)
      : request_(request),
        listing_(listing),
        staging_(std::move(staging)),
        hub_(hub),
        report_(report),
        result_(result),
        revision_path_(url_escape(listing.commit.empty() ? request.revision : listing.commit, false)) {}

  // Downloads and verifies one repository path, unless an earlier run (or this one) already has; it is
  // the `index`th of `count` in the progress reports.
  void fetch(const std::string& path, std::size_t index, std::size_t count) {
    const auto found = listing_.files.find(path);
    if (found == listing_.files.end())
      throw Error(ErrorKind::input, request_.repo + " has no file \"" + path + "\" at revision " + request_.revision);
    const RemoteFile& file = found->second;
    const fs::path final_path = staging_ / path;
    PullProgress state{path, index, count, 0, file.size.value_or(0), "skip"};
    if (fs::exists(final_path)) {  // verified earlier (by an interrupted run, or model_index.json just now)
      state.done = file_size_or_zero(final_path);
      if (path != "model_index.json" || count == 1) report_(state);
      return;
    }
    fs::create_directories(final_path.parent_path());
    fs::path part = final_path;
    part += ".part";
    const bool digest_listed = !file.sha256.empty() || !file.blob_id.empty();
    const ResponseFacts facts =
        download({file_url(path), part, file.size, digest_listed, state}, hub_, report_, result_);
    state.event = "verify";
    state.done = file_size_or_zero(part);
    report_(state);
    verify(part, file, facts, request_.repo);
    fs::rename(part, final_path);
  }

  // The request's files, else the model's: model_index.json is fetched first when the repository has
  // one, as it names the components to fetch.
  std::vector<std::string> selection() {
    if (!request_.files.empty()) return request_.files;
    fs::path index;
    if (listing_.files.contains("model_index.json")) {
      fetch("model_index.json", 0, 1);
      index = staging_ / "model_index.json";
    }
    std::vector<std::string> selected = default_selection(listing_.files, index);
    if (selected.empty())
      throw Error(ErrorKind::input, request_.repo + " has no .safetensors, .json or .txt files to download");
    return selected;
  }

  // Refuses to start when the files still to fetch do not fit in the models directory.
  void check_disk_space(const std::vector<std::string>& selection, const fs::path& root) const {
    std::uint64_t needed = 0;
    for (const auto& path : selection)
      if (const auto found = listing_.files.find(path); found != listing_.files.end() && !fs::exists(staging_ / path))
        needed += found->second.size.value_or(0);
    if (const auto space = fs::space(root); space.available < needed)
      throw Error(ErrorKind::output, "not enough disk space in " + root.string() + ": the model needs " +
                                         human_bytes(needed) + ", " + human_bytes(space.available) + " are free");
  }

 private:
  std::string file_url(const std::string& path) const {
    return hub_.endpoint + "/" + request_.repo + "/resolve/" + revision_path_ + "/" + url_escape(path, true);
  }

  const PullRequest& request_;
  const RevisionListing& listing_;
  const fs::path staging_;
  const HubSettings& hub_;
  const PullProgressCallback& report_;
  PullResult& result_;
  const std::string revision_path_;  // the commit when the hub named it, so every file comes from one revision
};

// Where a revision is staged: ORG--NAME--COMMIT under the models directory's hidden .partial folder.
fs::path staging_folder(const fs::path& root, const PullRequest& request, const std::string& commit) {
  const std::string org = request.repo.substr(0, request.repo.find('/'));
  const std::string name = request.repo.substr(request.repo.find('/') + 1);
  return root / ".partial" /
         (org + "--" + name + "--" + (commit.empty() ? url_escape(request.revision, false) : commit));
}

// .easel-source.json beside the model's files: where it came from.
void write_source_record(const fs::path& staging, const PullRequest& request, const std::string& commit,
                         const std::string& endpoint, const std::vector<std::string>& files) {
  const json source = {{"repo", request.repo},
                       {"revision", request.revision},
                       {"commit", commit},
                       {"endpoint", endpoint},
                       {"files", files}};
  std::ofstream(staging / ".easel-source.json") << source.dump(2) << "\n";
}

}  // namespace

PullResult pull_model(const PullRequest& request, const ModelPaths& paths, const HubSettings& hub_settings,
                      const PullProgressCallback& progress) {
  check_request(request);
  HubSettings hub = hub_settings;
  while (hub.endpoint.ends_with('/')) hub.endpoint.pop_back();  // as huggingface_hub accepts it
  const PullProgressCallback report = progress ? progress : [](const PullProgress&) {};
  const RevisionListing listing = list_revision(request, hub);
  const fs::path& root = paths.required_models_dir();
  const fs::path staging = staging_folder(root, request, listing.commit);
  fs::create_directories(staging);
  const StagingLock lock(staging);

  PullResult result;
  result.name = request.repo;
  result.commit = listing.commit;
  StagedFiles files(request, listing, staging, hub, report, result);
  result.files = files.selection();
  files.check_disk_space(result.files, root);
  for (std::size_t index = 0; index < result.files.size(); ++index)
    files.fetch(result.files[index], index, result.files.size());
  write_source_record(staging, request, listing.commit, hub.endpoint, result.files);
  fs::remove(staging / ".lock");  // the lock's file descriptor stays valid until the pull returns
  result.folder = root / request.repo;
  publish(staging, result.folder);
  return result;
}

}  // namespace easel::models
