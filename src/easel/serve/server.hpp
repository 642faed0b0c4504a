#pragma once
// `easel serve`: one process answering OpenAI's Images API (and Easel's jobs and assets) over HTTP.
// Endpoints, fields, limits and errors: docs/server.md.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "easel/models/model_paths.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/serve/connection_limits.hpp"

namespace easel::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                                 // 0: any free port (printed at startup)
  std::filesystem::path data_dir;                  // the store; required
  std::vector<std::string> api_keys;               // none: open, allowed on a loopback host only
  bool insecure_no_auth = false;                   // allow no keys on a non-loopback host
  std::size_t max_body_bytes = 64ull << 20;        // whole request body
  std::uint64_t max_pixels = 40'000'000;           // per input image
  std::size_t workers = 0;                         // 0: the number of cores
  std::size_t queue_length = 32;                   // work waiting for a worker, beyond which 429
  double job_timeout_s = 600;                      // default per-job timeout
  std::size_t decoded_cache_bytes = 256ull << 20;  // decoded input images kept for inputs sent again
  std::vector<std::string> cors_origins;           // Access-Control-Allow-Origin values ("*" allowed)
  RunContext run;                   // default diffusion model (EASEL_MODEL) and segmenter of edits and generations
  models::ModelPaths model_paths;   // where clients' model names are looked up and what GET /v1/models lists
  std::size_t max_json_depth = 64;  // nesting of JSON bodies and `plan` fields
  ConnectionLimits connections;     // header and body time, connections in all and per address
  std::size_t memory_budget_bytes = 2048ull << 20;  // estimated peak memory of edits running at once
  int job_attempts = 3;                             // starts of a job a crash interrupts before it fails
  std::string test_crash_on_prompt;                 // tests only: a job with this prompt aborts the process
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // Opens the store and checks the options; throws Error(usage) for unsafe or invalid ones.
  explicit Server(ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port (useful with port 0). Throws Error(usage) when it cannot.
  int bind();
  // Resumes stored queued jobs, then serves until shutdown() is called.
  void run();
  // Stops accepting work, lets running work finish (queued jobs stay in the store), then stops the
  // listener. Safe to call from any thread, more than once.
  void shutdown();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace easel::serve
