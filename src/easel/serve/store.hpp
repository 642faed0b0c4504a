#pragma once
// The server's durable state under --data DIR: `easel.db` (SQLite in WAL mode: jobs, assets, inputs
// seen, usage per API key) and `assets/xx/<sha256>` (files named by their content's hash). An asset
// file is written, fsynced and renamed before its row is committed, so a committed row always has its
// bytes: a crash at any point never loses a finished result.
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/usage.hpp"

struct sqlite3;

namespace easel::serve {

// The disk is full (or the process's file size limit reached): the write was refused and nothing of it
// was kept. The server answers 507.
class StorageFull : public Error {
 public:
  explicit StorageFull(const std::string& message) : Error(ErrorKind::output, message) {}
};

enum class JobState { queued, running, succeeded, failed, cancelled };
const char* job_state_name(JobState state);

struct JobRecord {
  std::string id;
  std::string owner;
  JobState state = JobState::queued;
  nlohmann::json request;  // text fields plus input asset ids (see jobs.cpp)
  double progress = 0;     // 0..1
  nlohmann::json error;    // null, or an OpenAI error object
  nlohmann::json result;   // null, or {data: [{asset_id, ...}], usage, easel}
  double created = 0;      // Unix seconds
  double started = 0;
  double finished = 0;
  double timeout_s = 0;
  std::string idempotency_key;
  std::string request_hash;
  int batch_index = 0;
  bool cancel_requested = false;
  int attempts = 0;                // runs started, counting runs a crash cut short
  nlohmann::json to_json() const;  // the API's view
};

struct AssetInfo {
  std::string id;  // SHA-256 of the content, 64 hex digits
  std::string media_type;
  std::uint64_t size = 0;
};

class Store {
 public:
  // Opens or creates the store; throws Error(output) naming the folder when it cannot. What it creates
  // is readable by this user only (folders 0700, files 0600): assets are users' images.
  explicit Store(const std::filesystem::path& data_dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Stores bytes (once per content) and records that `owner` may read them.
  AssetInfo put_asset(const Bytes& bytes, const std::string& media_type, const std::string& owner);
  // Only `owner`'s assets are visible; nullopt otherwise (or when `id` is not a well-formed id).
  std::optional<AssetInfo> find_asset(const std::string& id, const std::string& owner);
  Bytes read_asset(const AssetInfo& asset);
  // Records an input's content hash for `owner`; true when it was seen before.
  bool note_input_seen(const std::string& hash, const std::string& owner);

  void insert_jobs(const std::vector<JobRecord>& jobs);  // one transaction
  // Undoes insert_jobs for a batch the queue then refused.
  void remove_jobs(const std::vector<JobRecord>& jobs);
  std::optional<JobRecord> job(const std::string& id);
  std::vector<JobRecord> jobs_with_idempotency_key(const std::string& owner, const std::string& key);
  struct Unfinished {
    std::vector<std::string> queued;   // every queued job, oldest first
    std::vector<JobRecord> exhausted;  // left running by crashes `max_attempts` times: still `running`
  };
  // At startup: jobs a crash left running go back to queued unless they have been started
  // `max_attempts` times (then the caller fails them); a cancelled one becomes cancelled.
  Unfinished requeue_unfinished(int max_attempts);
  // queued → running, counting the attempt (committed before the job runs, so a crash during the run
  // still counts); false when the job is no longer queued (cancelled meanwhile).
  bool start_job(const std::string& id);
  void set_progress(const std::string& id, double progress);
  void finish_job(const std::string& id, JobState state, const nlohmann::json& result, const nlohmann::json& error);
  // A queued job is cancelled at once; a running one is flagged (its worker stops at the next step).
  // Returns the job after the change, nullopt when absent.
  std::optional<JobRecord> request_cancel(const std::string& id);

  void add_usage(const std::string& owner, const Usage& usage, int images);
  nlohmann::json usage(const std::string& owner);

 private:
  std::filesystem::path asset_path(const std::string& id) const;
  void exec(const char* sql);
  void add_column_if_missing(const std::string& table, const std::string& column, const std::string& declaration);

  std::filesystem::path data_dir_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace easel::serve
