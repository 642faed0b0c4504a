// easel serve [--host 127.0.0.1] [--port 8080] [--data DIR] [--api-key KEY ...]: the HTTP API
// (docs/server.md). SIGINT/SIGTERM stop it gracefully: no new work, running work finishes, queued jobs
// stay in the store for the next start.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <cstdlib>
#include <iostream>
#include <thread>

#include "easel/cli/commands.hpp"
#include "easel/cli/environment.hpp"
#include "easel/core/error.hpp"
#include "easel/serve/server.hpp"

namespace easel::cli {
namespace {

struct ServeCliOptions {
  serve::ServeOptions server;
  double max_body_mb = 64;
  double max_megapixels = 40;
  double decoded_cache_mb = 256;
};

std::filesystem::path default_data_dir() {
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data) return std::filesystem::path(data) / "easel" / "server";
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".local" / "share" / "easel" / "server";
  throw Error(ErrorKind::usage, "serve: give --data DIR (neither XDG_DATA_HOME nor HOME is set)");
}

void run_serve(ServeCliOptions options) {
  if (options.server.data_dir.empty()) options.server.data_dir = default_data_dir();
  options.server.max_body_bytes = static_cast<std::size_t>(options.max_body_mb * 1024 * 1024);
  options.server.max_pixels = static_cast<std::uint64_t>(options.max_megapixels * 1'000'000);
  options.server.decoded_cache_bytes = static_cast<std::size_t>(options.decoded_cache_mb * 1024 * 1024);
  options.server.run.default_model = default_model_from_environment();
  options.server.run.model_advice = "name an installed diffusion model in the request's 'model' field (GET /v1/models lists them)";
  options.server.run.segmenter = segmenter_from_environment();
  if (const char* keys = std::getenv("EASEL_API_KEYS"); keys && *keys) {
    std::string list = keys;
    for (std::size_t start = 0; start <= list.size();) {
      const auto comma = std::min(list.find(',', start), list.size());
      if (comma > start) options.server.api_keys.push_back(list.substr(start, comma - start));
      start = comma + 1;
    }
  }
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
    if (received != 0) std::cerr << "easel serve: " << (received == SIGINT ? "SIGINT" : "SIGTERM") << ", finishing running work\n";
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

void add_serve_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<ServeCliOptions>();
  auto* command = app.add_subcommand("serve", "Serve the OpenAI-compatible Images API, jobs and assets over HTTP (docs/server.md)");
  command->add_option("--host", options->server.host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options->server.port, "Port (0 = any free port, printed at startup)")->capture_default_str();
  command->add_option("--data", options->server.data_dir, "Folder of the store: jobs, assets, usage (default ~/.local/share/easel/server)");
  command->add_option("--api-key", options->server.api_keys, "Accept this bearer key (repeatable; also EASEL_API_KEYS=k1,k2)");
  command->add_flag("--insecure-no-auth", options->server.insecure_no_auth, "Allow a non-loopback --host without API keys");
  command->add_option("--workers", options->server.workers, "Edits run at once (0 = one per core)")->capture_default_str();
  command->add_option("--queue-length", options->server.queue_length, "Work waiting for a worker before 429")->capture_default_str();
  command->add_option("--max-body-mb", options->max_body_mb, "Largest request body")->capture_default_str()->check(CLI::Range(0.001, 4096.0));
  command->add_option("--max-megapixels", options->max_megapixels, "Largest input image (checked from its header)")->capture_default_str()->check(CLI::Range(0.001, 1000.0));
  command->add_option("--job-timeout", options->server.job_timeout_s, "Default per-job timeout in seconds")->capture_default_str()->check(CLI::Range(0.1, 86400.0));
  command->add_option("--decoded-cache-mb", options->decoded_cache_mb, "Memory for decoded input images kept for inputs sent again (0 = none)")
      ->capture_default_str()->check(CLI::Range(0.0, 65536.0));
  command->add_option("--cors-origin", options->server.cors_origins, "Allow browser requests from this origin (repeatable; * = any)");
  command->callback([&action, options] { action = [options] { run_serve(*options); }; });
}

}  // namespace easel::cli
