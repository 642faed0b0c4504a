#include "easel/serve/store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>

#include "easel/core/error.hpp"

namespace easel::serve {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A write refused for want of space: the disk is full, the user's quota or the process's file size
// limit is reached.
bool is_out_of_space(int error) { return error == ENOSPC || error == EDQUOT || error == EFBIG; }

[[noreturn]] void throw_sqlite(sqlite3* db, int status) {
  if (status == SQLITE_FULL) throw StorageFull(std::string("store: the database cannot grow: ") + sqlite3_errmsg(db));
  throw Error(ErrorKind::internal, std::string("store: ") + sqlite3_errmsg(db));
}

// Creates `folder` (and its parents) when missing, readable by this user only; an existing one is left as it is.
void create_private_folder(const fs::path& folder) {
  std::error_code error;
  if (fs::is_directory(folder, error)) return;
  fs::create_directories(folder.parent_path(), error);
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
    if (is_out_of_space(errno)) throw StorageFull("store: no space to create a folder");
    throw Error(ErrorKind::output, "cannot create the folder " + folder.string() + ": " + std::strerror(errno));
  }
}

bool is_asset_id(const std::string& id) {
  return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A prepared statement bound positionally; finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (const int status = sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr); status != SQLITE_OK)
      throw_sqlite(db, status);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, double value) {
    sqlite3_bind_double(statement_, index, value);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  // True while a row is available.
  bool step() {
    const int status = sqlite3_step(statement_);
    if (status == SQLITE_ROW) return true;
    if (status == SQLITE_DONE) return false;
    throw_sqlite(db_, status);
  }
  std::string text(int column) const {
    const auto* value = sqlite3_column_text(statement_, column);
    return value ? reinterpret_cast<const char*>(value) : "";
  }
  double number(int column) const { return sqlite3_column_double(statement_, column); }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

json json_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json::parse(text); }

std::string text_or_empty(const json& value) { return value.is_null() ? std::string() : value.dump(); }

JobState state_from_name(const std::string& name) {
  for (JobState state :
       {JobState::queued, JobState::running, JobState::succeeded, JobState::failed, JobState::cancelled}) {
    if (name == job_state_name(state)) return state;
  }
  throw Error(ErrorKind::internal, "store: unknown job state '" + name + "'");
}

constexpr const char* kJobColumns =
    "id, owner, state, request, progress, error, result, created, started, finished, timeout_s, idempotency_key, "
    "request_hash, batch_index, cancel_requested, attempts";

JobRecord job_from_row(const Statement& row) {
  JobRecord job;
  job.id = row.text(0);
  job.owner = row.text(1);
  job.state = state_from_name(row.text(2));
  job.request = json::parse(row.text(3));
  job.progress = row.number(4);
  job.error = json_or_null(row.text(5));
  job.result = json_or_null(row.text(6));
  job.created = row.number(7);
  job.started = row.number(8);
  job.finished = row.number(9);
  job.timeout_s = row.number(10);
  job.idempotency_key = row.text(11);
  job.request_hash = row.text(12);
  job.batch_index = static_cast<int>(row.integer(13));
  job.cancel_requested = row.integer(14) != 0;
  job.attempts = static_cast<int>(row.integer(15));
  return job;
}

// Writes `bytes` to `path` so that after return the content is on disk under that name: a temporary
// file, fsync, rename, fsync of the folder.
void write_durably(const fs::path& path, const Bytes& bytes) {
  // A name of its own per write: two requests may store the same content at the same time.
  const fs::path temporary = path.string() + "." + random_id("tmp");
  const int file = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file < 0) {
    if (is_out_of_space(errno)) throw StorageFull("store: no space to create an asset file");
    throw Error(ErrorKind::output, "store: cannot create " + temporary.string() + ": " + std::strerror(errno));
  }
  const auto fail = [&](const char* doing) {
    const int error = errno;
    ::close(file);
    std::error_code ignored;
    fs::remove(temporary, ignored);
    if (is_out_of_space(error)) throw StorageFull(std::string("store: no space to ") + doing + " an asset file");
    throw Error(ErrorKind::output,
                std::string("store: cannot ") + doing + " " + temporary.string() + ": " + std::strerror(error));
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    const auto count = ::write(file, bytes.data() + written, bytes.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) fail("write");
    written += static_cast<std::size_t>(count);
  }
  if (::fsync(file) != 0) fail("sync");
  ::close(file);
  std::error_code renamed;
  fs::rename(temporary, path, renamed);
  if (renamed) {
    fs::remove(temporary);
    throw Error(ErrorKind::output, "store: cannot rename " + temporary.string() + ": " + renamed.message());
  }
  const int folder = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    ::fsync(folder);
    ::close(folder);
  }
}

}  // namespace

const char* job_state_name(JobState state) {
  switch (state) {
    case JobState::queued:
      return "queued";
    case JobState::running:
      return "running";
    case JobState::succeeded:
      return "succeeded";
    case JobState::failed:
      return "failed";
    case JobState::cancelled:
      return "cancelled";
  }
  return "queued";
}

json JobRecord::to_json() const {
  const auto time_or_null = [](double seconds) {
    return seconds > 0 ? json(static_cast<std::int64_t>(seconds)) : json(nullptr);
  };
  json out = {{"id", id},
              {"object", "job"},
              {"endpoint", request.value("endpoint", "") == "/v1/images/generations" ? "generations" : "edits"},
              {"state", job_state_name(state)},
              {"progress", progress},
              {"created_at", time_or_null(created)},
              {"started_at", time_or_null(started)},
              {"finished_at", time_or_null(finished)},
              {"timeout_s", timeout_s},
              {"batch_index", batch_index},
              {"error", error.is_null() ? json(nullptr) : error.value("error", error)},
              {"result", result}};
  if (!idempotency_key.empty()) out["idempotency_key"] = idempotency_key;
  out["attempts"] = attempts;
  return out;
}

Store::Store(const fs::path& data_dir) : data_dir_(data_dir) {
  try {
    create_private_folder(data_dir_);
    create_private_folder(data_dir_ / "assets");
  } catch (const Error& error) {
    throw Error(ErrorKind::output, "--data " + data_dir_.string() + ": " + error.what());
  }
  const auto database = data_dir_ / "easel.db";
  // Created here rather than by SQLite, whose files take the permissions of the database file (its
  // journal and shared-memory files included).
  if (const int created = ::open(database.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); created >= 0) ::close(created);
  if (sqlite3_open_v2(database.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw Error(ErrorKind::output, "--data: cannot open " + database.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL: readers never block the writer; synchronous=FULL: a committed row survives power loss.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec(
      "CREATE TABLE IF NOT EXISTS assets(id TEXT NOT NULL, owner TEXT NOT NULL, media_type TEXT NOT NULL, size INTEGER "
      "NOT NULL,"
      " created REAL NOT NULL, PRIMARY KEY(id, owner))");
  exec("CREATE TABLE IF NOT EXISTS inputs_seen(hash TEXT NOT NULL, owner TEXT NOT NULL, PRIMARY KEY(hash, owner))");
  exec(
      "CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, owner TEXT NOT NULL, state TEXT NOT NULL, request TEXT NOT "
      "NULL,"
      " progress REAL NOT NULL DEFAULT 0, error TEXT, result TEXT, created REAL NOT NULL, started REAL NOT NULL "
      "DEFAULT 0,"
      " finished REAL NOT NULL DEFAULT 0, timeout_s REAL NOT NULL, idempotency_key TEXT NOT NULL DEFAULT '',"
      " request_hash TEXT NOT NULL DEFAULT '', batch_index INTEGER NOT NULL DEFAULT 0, cancel_requested INTEGER NOT "
      "NULL DEFAULT 0)");
  exec("CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs(owner, idempotency_key)");
  add_column_if_missing("jobs", "attempts", "INTEGER NOT NULL DEFAULT 0");
  exec(
      "CREATE TABLE IF NOT EXISTS usage(owner TEXT PRIMARY KEY, requests INTEGER NOT NULL, images INTEGER NOT NULL,"
      " input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL)");
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
  char* message = nullptr;
  if (const int status = sqlite3_exec(db_, sql, nullptr, nullptr, &message); status != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    if (status == SQLITE_FULL) throw StorageFull("store: the database cannot grow: " + text);
    throw Error(ErrorKind::internal, std::string("store: ") + text + " in: " + sql);
  }
}

// A store made by an earlier version lacks the columns added since.
void Store::add_column_if_missing(const std::string& table, const std::string& column, const std::string& declaration) {
  Statement columns(db_, ("PRAGMA table_info(" + table + ")").c_str());
  while (columns.step()) {
    if (columns.text(1) == column) return;
  }
  exec(("ALTER TABLE " + table + " ADD COLUMN " + column + " " + declaration).c_str());
}

fs::path Store::asset_path(const std::string& id) const { return data_dir_ / "assets" / id.substr(0, 2) / id; }

AssetInfo Store::put_asset(const Bytes& bytes, const std::string& media_type, const std::string& owner) {
  AssetInfo asset{sha256_hex(bytes), media_type, bytes.size()};
  const auto path = asset_path(asset.id);
  if (!fs::exists(path)) {
    create_private_folder(path.parent_path());
    write_durably(path, bytes);
  }
  std::lock_guard lock(mutex_);
  Statement(db_, "INSERT OR IGNORE INTO assets(id, owner, media_type, size, created) VALUES(?, ?, ?, ?, ?)")
      .bind(1, asset.id)
      .bind(2, owner)
      .bind(3, media_type)
      .bind(4, static_cast<std::int64_t>(bytes.size()))
      .bind(5, now_seconds())
      .step();
  return asset;
}

std::optional<AssetInfo> Store::find_asset(const std::string& id, const std::string& owner) {
  if (!is_asset_id(id)) return std::nullopt;
  std::lock_guard lock(mutex_);
  Statement query(db_, "SELECT media_type, size FROM assets WHERE id = ? AND owner = ?");
  query.bind(1, id).bind(2, owner);
  if (!query.step()) return std::nullopt;
  return AssetInfo{id, query.text(0), static_cast<std::uint64_t>(query.integer(1))};
}

Bytes Store::read_asset(const AssetInfo& asset) {
  std::ifstream file(asset_path(asset.id), std::ios::binary);
  Bytes bytes(asset.size);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()))) {
    throw Error(ErrorKind::internal,
                "store: asset " + asset.id + " is missing from " + (data_dir_ / "assets").string());
  }
  return bytes;
}

bool Store::note_input_seen(const std::string& hash, const std::string& owner) {
  std::lock_guard lock(mutex_);
  Statement insert(db_, "INSERT OR IGNORE INTO inputs_seen(hash, owner) VALUES(?, ?)");
  insert.bind(1, hash).bind(2, owner).step();
  return sqlite3_changes(db_) == 0;
}

void Store::insert_jobs(const std::vector<JobRecord>& jobs) {
  std::lock_guard lock(mutex_);
  exec("BEGIN IMMEDIATE");
  try {
    for (const auto& job : jobs) {
      Statement(
          db_,
          "INSERT INTO jobs(id, owner, state, request, created, timeout_s, idempotency_key, request_hash, batch_index)"
          " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, job.id)
          .bind(2, job.owner)
          .bind(3, std::string(job_state_name(job.state)))
          .bind(4, job.request.dump())
          .bind(5, job.created)
          .bind(6, job.timeout_s)
          .bind(7, job.idempotency_key)
          .bind(8, job.request_hash)
          .bind(9, static_cast<std::int64_t>(job.batch_index))
          .step();
    }
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
}

void Store::remove_jobs(const std::vector<JobRecord>& jobs) {
  std::lock_guard lock(mutex_);
  for (const auto& job : jobs) Statement(db_, "DELETE FROM jobs WHERE id = ?").bind(1, job.id).step();
}

std::optional<JobRecord> Store::job(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement query(db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?").c_str());
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return job_from_row(query);
}

std::vector<JobRecord> Store::jobs_with_idempotency_key(const std::string& owner, const std::string& key) {
  std::lock_guard lock(mutex_);
  Statement query(db_, (std::string("SELECT ") + kJobColumns +
                        " FROM jobs WHERE owner = ? AND idempotency_key = ? ORDER BY batch_index")
                           .c_str());
  query.bind(1, owner).bind(2, key);
  std::vector<JobRecord> jobs;
  while (query.step()) jobs.push_back(job_from_row(query));
  return jobs;
}

Store::Unfinished Store::requeue_unfinished(int max_attempts) {
  std::lock_guard lock(mutex_);
  exec(
      "UPDATE jobs SET state = 'cancelled', finished = strftime('%s','now') WHERE state = 'running' AND "
      "cancel_requested = 1");
  Statement(db_, "UPDATE jobs SET state = 'queued', progress = 0, started = 0 WHERE state = 'running' AND attempts < ?")
      .bind(1, std::int64_t{max_attempts})
      .step();
  Unfinished unfinished;
  Statement exhausted(
      db_, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE state = 'running' ORDER BY created, batch_index")
               .c_str());
  while (exhausted.step()) unfinished.exhausted.push_back(job_from_row(exhausted));
  Statement queued(db_, "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created, batch_index");
  while (queued.step()) unfinished.queued.push_back(queued.text(0));
  return unfinished;
}

bool Store::start_job(const std::string& id) {
  std::lock_guard lock(mutex_);
  Statement(db_,
            "UPDATE jobs SET state = 'running', started = ?, attempts = attempts + 1 WHERE id = ? AND state = 'queued'")
      .bind(1, now_seconds())
      .bind(2, id)
      .step();
  return sqlite3_changes(db_) == 1;
}

void Store::set_progress(const std::string& id, double progress) {
  std::lock_guard lock(mutex_);
  Statement(db_, "UPDATE jobs SET progress = ? WHERE id = ?").bind(1, progress).bind(2, id).step();
}

void Store::finish_job(const std::string& id, JobState state, const json& result, const json& error) {
  std::lock_guard lock(mutex_);
  // A job that stopped early keeps the progress it had reached.
  Statement(db_,
            "UPDATE jobs SET state = ?, result = ?, error = ?, finished = ?, progress = CASE WHEN ? = 1 THEN 1.0 ELSE "
            "progress END WHERE id = ?")
      .bind(1, std::string(job_state_name(state)))
      .bind(2, text_or_empty(result))
      .bind(3, text_or_empty(error))
      .bind(4, now_seconds())
      .bind(5, std::int64_t{state == JobState::succeeded ? 1 : 0})
      .bind(6, id)
      .step();
}

std::optional<JobRecord> Store::request_cancel(const std::string& id) {
  {
    std::lock_guard lock(mutex_);
    Statement(db_, "UPDATE jobs SET state = 'cancelled', finished = ? WHERE id = ? AND state = 'queued'")
        .bind(1, now_seconds())
        .bind(2, id)
        .step();
    Statement(db_, "UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND state = 'running'").bind(1, id).step();
  }
  return job(id);
}

void Store::add_usage(const std::string& owner, const Usage& usage, int images) {
  std::lock_guard lock(mutex_);
  Statement(
      db_,
      "INSERT INTO usage(owner, requests, images, input_tokens, cached_tokens, output_tokens) VALUES(?, 1, ?, ?, ?, ?)"
      " ON CONFLICT(owner) DO UPDATE SET requests = requests + 1, images = images + excluded.images,"
      " input_tokens = input_tokens + excluded.input_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,"
      " output_tokens = output_tokens + excluded.output_tokens")
      .bind(1, owner)
      .bind(2, static_cast<std::int64_t>(images))
      .bind(3, usage.input_tokens())
      .bind(4, usage.cached_tokens)
      .bind(5, usage.output_tokens)
      .step();
}

json Store::usage(const std::string& owner) {
  std::lock_guard lock(mutex_);
  Statement query(db_,
                  "SELECT requests, images, input_tokens, cached_tokens, output_tokens FROM usage WHERE owner = ?");
  query.bind(1, owner);
  json out = {{"object", "usage"}, {"requests", 0},      {"images", 0},
              {"input_tokens", 0}, {"cached_tokens", 0}, {"output_tokens", 0}};
  if (query.step()) {
    out["requests"] = query.integer(0);
    out["images"] = query.integer(1);
    out["input_tokens"] = query.integer(2);
    out["cached_tokens"] = query.integer(3);
    out["output_tokens"] = query.integer(4);
  }
  out["total_tokens"] = out["input_tokens"].get<std::int64_t>() + out["output_tokens"].get<std::int64_t>();
  return out;
}

}  // namespace easel::serve
