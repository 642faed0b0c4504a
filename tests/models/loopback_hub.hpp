#pragma once
// A Hugging Face hub on 127.0.0.1 for `easel models pull` tests. It answers like huggingface.co:
// /api/models/ORG/NAME/revision/REV lists the files (size, blobId, lfs.sha256); /ORG/NAME/resolve/REV/PATH
// serves small files with their Git blob id as ETag and redirects LFS files to a CDN path with
// X-Linked-Etag (SHA-256) and X-Linked-Size; every body honours Range requests. Faults for the tests:
// cut one file's body half-way once, serve wrong bytes for a file, or hold a file half-way until released.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace easel::test {

struct HubFile {
  std::string bytes;
  bool lfs = false;
};

class LoopbackHub {
 public:
  LoopbackHub();
  ~LoopbackHub();
  LoopbackHub(const LoopbackHub&) = delete;
  LoopbackHub& operator=(const LoopbackHub&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT
  void add_repo(const std::string& repo, const std::string& commit, std::map<std::string, HubFile> files);

  void drop_once(const std::string& path);  // the next body of this file stops half-way (connection closed)
  void corrupt(const std::string& path);    // serve this file with one byte changed
  void pause(const std::string& path);      // hold this file's body half-way until release()
  bool wait_until_paused(int seconds);
  void release();
  std::vector<std::string> range_headers(const std::string& path);  // Range headers seen for the file's body
  int body_requests(const std::string& path);
  std::vector<std::string> listing_authorizations();  // Authorization header of each file-list request ("": none)

 private:
  struct Repo {
    std::string commit;
    std::map<std::string, HubFile> files;
  };
  void serve_body(const httplib::Request& request, httplib::Response& response, const std::string& path,
                  const std::string& bytes);

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable released_;
  std::map<std::string, Repo> repos_;
  std::map<std::string, std::pair<std::string, std::string>> lfs_by_sha_;  // sha → (path, bytes)
  std::string drop_path_, corrupt_path_, pause_path_;
  bool paused_ = false, release_ = false;
  std::map<std::string, std::vector<std::string>> ranges_;
  std::map<std::string, int> requests_;
  std::vector<std::string> authorizations_;
};

std::string sha256_hex(const std::string& bytes);
std::string git_blob_id(const std::string& bytes);

}  // namespace easel::test
