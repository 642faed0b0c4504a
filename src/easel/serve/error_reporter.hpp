#pragma once
// What a client may see of an error, and what only the server's log sees. A 500 is the server's own
// business: its message goes to the log with the request's (or job's) id, and the client gets a message
// naming that id. Other messages are the client's, but paths on this machine in them (a models folder a
// lookup searched, a scratch file) are replaced by "[server path]", the original going to the log.
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/serve/api_error.hpp"

namespace easel::serve {

class ErrorReporter {
 public:
  // `server_paths`: folders whose paths must not reach a client (the data folder, the models folder, the
  // Hugging Face cache, HOME); absolute paths anywhere else are recognised by their shape.
  explicit ErrorReporter(std::vector<std::string> server_paths);

  // The error body to send for `error`; `where` ("req_… POST /v1/images/edits", "job job_…") is how the
  // log names it.
  nlohmann::json client_body(const ApiError& error, const std::string& where) const;
  // `text` with every server path replaced by "[server path]".
  std::string redacted(const std::string& text) const;
  // One line on stderr, whole even when threads log at once.
  void log(const std::string& line) const;

 private:
  std::vector<std::string> roots_;
  mutable std::mutex log_mutex_;
};

}  // namespace easel::serve
