// easel serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--api-key KEY ...]: the HTTP API
// (docs/server.md). SIGINT/SIGTERM stop it gracefully: no new work, running work finishes, queued jobs
// stay in the store for the next start.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "easel/cli/commands.hpp"
#include "easel/core/error.hpp"
#include "easel/serve/server.hpp"
#include "easel/settings/environment.hpp"

namespace easel::cli {
namespace {

struct ServeCliOptions {
  serve::ServeOptions server;
  double max_body_mb = 64;
  double max_megapixels = 40;
  double decoded_cache_mb = 256;
  double memory_budget_mb = 2048;
  std::filesystem::path api_key_file;
};

// Keys from a file, one a line (blank lines and lines starting with # skipped): unlike --api-key, they
// do not show in the process list.
std::vector<std::string> keys_from_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::usage, "serve: --api-key-file " + file.string() + ": cannot read it");
  std::vector<std::string> keys;
  for (std::string line; std::getline(in, line);) {
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    keys.push_back(line.substr(begin, line.find_last_not_of(" \t\r") + 1 - begin));
  }
  if (keys.empty()) throw Error(ErrorKind::usage, "serve: --api-key-file " + file.string() + " holds no key");
  return keys;
}

void run_serve(ServeCliOptions options, const models::ModelPaths& model_paths) {
  if (options.server.data_dir.empty()) options.server.data_dir = settings::server_data_dir_from_environment();
  options.server.max_body_bytes = static_cast<std::size_t>(options.max_body_mb * 1024 * 1024);
  options.server.max_pixels = static_cast<std::uint64_t>(options.max_megapixels * 1'000'000);
  options.server.decoded_cache_bytes = static_cast<std::size_t>(options.decoded_cache_mb * 1024 * 1024);
  options.server.run.default_model = settings::default_model_from_environment();
  options.server.run.model_advice =
      "name an installed diffusion model in the request's 'model' field (GET /v1/models lists them)";
  options.server.run.segmenter = settings::segmenter_from_environment(model_paths);
  options.server.model_paths = model_paths;
  options.server.memory_budget_bytes = static_cast<std::size_t>(options.memory_budget_mb * 1024 * 1024);
  if (!options.api_key_file.empty()) {
    for (auto& key : keys_from_file(options.api_key_file)) options.server.api_keys.push_back(std::move(key));
  }
  options.server.test_crash_on_prompt = settings::test_crash_on_job_from_environment();
  // Everything the server creates (the store, assets, scratch files) is readable by this user only:
  // assets are users' images.
  ::umask(077);
  // A file size limit (ulimit -f) makes writes fail, which the store answers as a full disk (507),
  // instead of killing the process.
  ::signal(SIGXFSZ, SIG_IGN);
  // glibc raises its mmap threshold as large buffers come and go and keeps up to twice that free at the
  // top of each thread's heap, where malloc_trim does not reach: a burst of 2000×2000 edits left the
  // server at 323 MiB instead of 162 (docs/server.md, "Memory"). Fixed thresholds return buffers of
  // 32 MiB or more on free, and a heap's free top over 4 MiB at once, at no measurable cost.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 4 << 20);
  for (auto& key : settings::api_keys_from_environment()) options.server.api_keys.push_back(std::move(key));
  // SIGINT/SIGTERM become one byte on a pipe (the only thing a signal handler may safely do, whichever
  // thread it lands on); one thread reads it and shuts the server down gracefully.
  static int signal_pipe[2] = {-1, -1};
  if (::pipe2(signal_pipe, O_CLOEXEC) != 0) throw Error(ErrorKind::internal, "serve: cannot create the signal pipe");
  struct sigaction action {};
  action.sa_handler = [](int received) {
    const char byte = static_cast<char>(received);
    [[maybe_unused]] const auto written = ::write(signal_pipe[1], &byte, 1);
  };
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  serve::Server server(options.server);
  const int port = server.bind();
  std::thread waiter([&server] {
    char received = 0;
    while (::read(signal_pipe[0], &received, 1) < 0 && errno == EINTR) {
    }
    if (received != 0)
      std::cerr << "easel serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing running work\n";
    server.shutdown();
  });
  std::cout << "easel serve: listening on http://" << options.server.host << ":" << port << " (data "
            << options.server.data_dir.string() << ")" << std::endl;
  server.run();
  // run() also returns when the listener fails: wake the waiter (a zero byte) so it can be joined.
  const char wake = 0;
  [[maybe_unused]] const auto written = ::write(signal_pipe[1], &wake, 1);
  waiter.join();
  std::cerr << "easel serve: stopped\n";
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action, const models::ModelPaths& model_paths) {
  auto options = std::make_shared<ServeCliOptions>();
  auto* command =
      app.add_subcommand("serve", "Serve the OpenAI-compatible Images API, jobs and assets over HTTP (docs/server.md)");
  command->add_option("--host", options->server.host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options->server.port, "Port (0 = any free port, printed at startup)")
      ->capture_default_str();
  command->add_option("--data", options->server.data_dir,
                      "Folder of the store: jobs, assets, usage (default ~/.local/share/easel/server)");
  command->add_option("--api-key", options->server.api_keys,
                      "Accept this bearer key (repeatable; visible in the process list: prefer EASEL_API_KEYS=k1,k2 or "
                      "--api-key-file)");
  command->add_option("--api-key-file", options->api_key_file, "Accept the keys in this file, one a line")
      ->check(CLI::ExistingFile);
  command->add_flag("--insecure-no-auth", options->server.insecure_no_auth,
                    "Allow a non-loopback --host without API keys");
  command->add_option("--workers", options->server.workers, "Edits run at once (0 = one per core)")
      ->capture_default_str();
  command->add_option("--queue-length", options->server.queue_length, "Work waiting for a worker before 429")
      ->capture_default_str();
  command->add_option("--max-body-mb", options->max_body_mb, "Largest request body")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 4096.0));
  command->add_option("--max-megapixels", options->max_megapixels, "Largest input image (checked from its header)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1000.0));
  command->add_option("--job-timeout", options->server.job_timeout_s, "Default per-job timeout in seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  command
      ->add_option("--decoded-cache-mb", options->decoded_cache_mb,
                   "Memory for decoded input images kept for inputs sent again (0 = none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 65536.0));
  command->add_option("--cors-origin", options->server.cors_origins,
                      "Allow browser requests from this origin (repeatable; * = any)");
  command
      ->add_option("--max-json-depth", options->server.max_json_depth,
                   "Deepest nesting of arrays and objects in a JSON body or plan")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command
      ->add_option("--header-timeout", options->server.connections.header_timeout_s,
                   "Seconds for a request's line and headers to arrive")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 3600.0));
  command
      ->add_option("--body-timeout", options->server.connections.body_timeout_s,
                   "Seconds for a request's body to arrive")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 86400.0));
  command
      ->add_option("--max-connections", options->server.connections.max_connections,
                   "Connections open at once, all clients together")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  command
      ->add_option("--max-connections-per-address", options->server.connections.max_per_address,
                   "Connections open at once from one client address")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  command
      ->add_option("--memory-budget-mb", options->memory_budget_mb,
                   "Estimated peak memory of the edits running at once; more wait")
      ->capture_default_str()
      ->check(CLI::Range(16.0, 1048576.0));
  command
      ->add_option("--job-attempts", options->server.job_attempts,
                   "Starts of a job that crashes interrupt before it fails")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  command->callback(
      [&action, &model_paths, options] { action = [options, &model_paths] { run_serve(*options, model_paths); }; });
}

}  // namespace easel::cli
