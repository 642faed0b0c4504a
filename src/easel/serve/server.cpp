#include "easel/serve/server.hpp"

#include <httplib.h>

#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <thread>

#include "easel/core/error.hpp"
#include "easel/models/model_catalog.hpp"
#include "easel/models/model_store.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/decoded_image_cache.hpp"
#include "easel/serve/edit_service.hpp"
#include "easel/serve/error_reporter.hpp"
#include "easel/serve/generation_service.hpp"
#include "easel/serve/http_connections.hpp"
#include "easel/serve/http_edge.hpp"
#include "easel/serve/image_events.hpp"
#include "easel/serve/jobs.hpp"
#include "easel/serve/memory_budget.hpp"
#include "easel/serve/model_list.hpp"
#include "easel/serve/plan_preview.hpp"
#include "easel/serve/store.hpp"
#include "easel/serve/variation_request.hpp"
#include "easel/serve/variation_service.hpp"
#include "easel/serve/work_queue.hpp"
#include "easel/serve/web_assets.hpp"

namespace easel::serve {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kAnonymous = "anonymous";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_json(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(json_text(body), "application/json");
}

// How the log names a request: its id (also in its x-request-id header), method and path.
std::string request_label(const httplib::Request& request, const httplib::Response& response) {
  return response.get_header_value("x-request-id") + " " + request.method + " " + request.path;
}

// Paths that must never reach a client.
std::vector<std::string> server_paths(const fs::path& data_dir, const models::ModelPaths& model_paths) {
  std::vector<std::string> paths = {fs::absolute(data_dir).lexically_normal().string(),
                                    model_paths.hf_hub_cache.string()};
  if (!model_paths.models_dir.empty()) paths.push_back(model_paths.models_dir.string());
  std::error_code ignored;
  paths.push_back(fs::temp_directory_path(ignored).string());
  paths.push_back(fs::current_path(ignored).string());
  return paths;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

struct Server::State {
  explicit State(ServeOptions given)
      : options(std::move(given)),
        errors(server_paths(options.data_dir, options.model_paths)),
        memory(options.memory_budget_bytes),
        store(options.data_dir),
        queue(options.workers, options.queue_length),
        decoded(options.decoded_cache_bytes),
        jobs(store, queue, decoded, memory, errors, job_settings()),
        http(options.connections) {
    for (const auto& key : options.api_keys) key_owners.emplace(sha256_hex(key), sha256_hex(key).substr(0, 16));
  }

  JobSettings job_settings() const {
    JobSettings settings;
    settings.limits.max_pixels = options.max_pixels;
    settings.limits.max_image_bytes = options.max_body_bytes;
    settings.limits.max_json_depth = options.max_json_depth;
    settings.decode_limits.max_pixels = options.max_pixels;
    settings.decode_limits.max_bytes = options.max_body_bytes;
    settings.default_timeout_s = options.job_timeout_s;
    settings.max_attempts = options.job_attempts;
    settings.scratch_dir = options.data_dir / "scratch";
    settings.run = options.run;
    settings.model_paths = options.model_paths;
    settings.crash_on_prompt = options.test_crash_on_prompt;
    return settings;
  }

  BodyLimits body_limits() const { return {options.max_body_bytes, 64, options.max_json_depth}; }

  // The caller's identity: a digest of its API key (keys themselves are never stored), or "anonymous"
  // on a server without keys. Throws ApiError (401; 400 for two Authorization headers).
  std::string owner_of(const httplib::Request& request) const {
    if (key_owners.empty()) return kAnonymous;
    const auto key = bearer_key(request);
    if (!key)
      throw ApiError(401, "invalid_request_error", "missing API key: send 'Authorization: Bearer KEY'", {},
                     "missing_api_key");
    const auto found = key_owners.find(sha256_hex(*key));
    if (found == key_owners.end())
      throw ApiError(401, "invalid_request_error", "incorrect API key provided", {}, "invalid_api_key");
    return found->second;
  }

  void send_error(const httplib::Request& request, httplib::Response& response, const ApiError& error) const {
    send_json(response, error.status(), errors.client_body(error, request_label(request, response)));
  }

  static ApiError shutting_down() {
    return ApiError(503, "server_error", "the server is shutting down; retry shortly", {}, "shutting_down");
  }

  template <typename Result>
  Result run_queued(std::function<Result()> work, httplib::Response& response);

  ApiError queue_full() const {
    return ApiError(429, "rate_limit_exceeded",
                    "the server's work queue is full; retry after the time in the retry-after header", {},
                    "queue_full");
  }

  // Every route's handler answers errors in OpenAI's shape (engine errors classified by kind, never by text);
  // with_body reads the body, capped as it arrives, after the key was checked on the headers alone.
  using Handler = void (State::*)(const httplib::Request&, httplib::Response&);
  using BodyHandler = void (State::*)(const httplib::Request&, ReceivedBody, httplib::Response&);
  void install_routes();
  void guard(const httplib::Request& request, httplib::Response& response, const std::function<void()>& handle);
  httplib::Server::Handler guarded(Handler handler);
  httplib::Server::HandlerWithContentReader with_body(BodyHandler handler);

  void edit_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response);
  void stream_edit(const EditRequest& edit, const std::string& owner, httplib::Response& response);
  void stream_generation(const GenerateRequest& generate, const std::string& owner, httplib::Response& response);
  void stream_events(std::function<void(const std::shared_ptr<EventChannel>&)> produce, httplib::Response& response);
  void generate_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response);
  void vary_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response);
  void list_models(const httplib::Request& request, httplib::Response& response);
  void submit_jobs(const httplib::Request& request, ReceivedBody body, httplib::Response& response);
  void show_job(const httplib::Request& request, httplib::Response& response);
  void cancel_job(const httplib::Request& request, ReceivedBody body, httplib::Response& response);
  void send_asset(const httplib::Request& request, httplib::Response& response);
  void send_usage(const httplib::Request& request, httplib::Response& response);
  void preview_plans(const httplib::Request& request, ReceivedBody body, httplib::Response& response);

  ServeOptions options;
  ErrorReporter errors;
  MemoryBudget memory;
  Store store;
  WorkQueue queue;
  DecodedImageCache decoded;
  JobService jobs;
  std::map<std::string, std::string> key_owners;  // SHA-256 of a key → its owner id
  GuardedHttpServer http;
  std::atomic<bool> closing{false};
  std::once_flag shutdown_once;
};

template <typename Result>
Result Server::State::run_queued(std::function<Result()> work, httplib::Response& response) {
  if (closing) throw shutting_down();
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  std::vector<Task> tasks;
  tasks.push_back(Task{[promise, work = std::move(work)] {
                         try {
                           promise->set_value(work());
                         } catch (...) {
                           promise->set_exception(std::current_exception());
                         }
                       },
                       [promise] { promise->set_exception(std::make_exception_ptr(shutting_down())); }});
  if (!queue.try_submit(std::move(tasks))) {
    response.set_header("Retry-After", std::to_string(queue.retry_after_seconds()));
    throw queue_full();
  }
  return future.get();
}

void Server::State::edit_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response) {
  const std::string owner = owner_of(request);
  const JobSettings settings = job_settings();
  const EditRequest edit = parse_edit_request(fields_from_multipart(std::move(body)), settings.limits);
  if (edit.stream) {
    stream_edit(edit, owner, response);
    return;
  }
  const EditResult done = run_queued<EditResult>(
      [this, &edit, &owner, &settings] {
        const auto reserved = memory.reserve(edit_memory_estimate(edit));
        return run_edit_request(edit, EditContext{store, owner, settings.scratch_dir, settings.decode_limits, decoded,
                                                  settings.run, settings.model_paths});
      },
      response);
  store.add_usage(owner, done.usage, static_cast<int>(done.images.size()));
  send_json(response, 200, images_response(done, edit.output_format, edit.quality, unix_now()));
}

// stream=true: server-sent events image_edit.partial_image (up to partial_images: the denoising
// previews of generative steps, then the renders after each of the plan's first steps) and
// image_edit.completed (with usage), or one `error` event if the edit fails once started.
void Server::State::stream_edit(const EditRequest& edit, const std::string& owner, httplib::Response& response) {
  const JobSettings settings = job_settings();
  const std::int64_t created = unix_now();
  stream_events(
      [this, edit, owner, settings, created](const std::shared_ptr<EventChannel>& channel) {
        const ImageEventStream events{channel, "image_edit", created, edit.quality, edit.output_format};
        EditContext context{store,   owner,        settings.scratch_dir, settings.decode_limits,
                            decoded, settings.run, settings.model_paths};
        context.check = events.stop_if_abandoned();
        context.partial = events.partial_sender();
        const auto reserved = memory.reserve(edit_memory_estimate(edit), context.check);
        const EditResult result = run_edit_request(edit, context);
        store.add_usage(owner, result.usage, static_cast<int>(result.images.size()));
        events.complete(result);
      },
      response);
}

// stream=true: image_generation.partial_image events (the engine's previews, partial_images of them,
// evenly spaced over the denoising steps) and image_generation.completed with usage.
void Server::State::stream_generation(const GenerateRequest& generate, const std::string& owner,
                                      httplib::Response& response) {
  const std::int64_t created = unix_now();
  stream_events(
      [this, generate, owner, created](const std::shared_ptr<EventChannel>& channel) {
        const ImageEventStream events{channel, "image_generation", created, generate.quality, generate.output_format};
        GenerateControl control{.default_model = options.run.default_model,
                                .model_paths = options.model_paths,
                                .model_advice = options.run.model_advice};
        control.check = events.stop_if_abandoned();
        control.partial = events.partial_sender();
        const GenerateResult result = run_generate_request(generate, control);
        store.add_usage(owner, result.usage, static_cast<int>(result.images.size()));
        events.complete(result);
      },
      response);
}

// Runs `produce` on a worker and streams the events it pushes; a failure once started is one `error`
// event carrying the error object (before that, 429/503 are ordinary answers).
void Server::State::stream_events(std::function<void(const std::shared_ptr<EventChannel>&)> produce,
                                  httplib::Response& response) {
  if (closing) throw shutting_down();
  const std::string where = response.get_header_value("x-request-id") + " (streamed)";
  auto channel = std::make_shared<EventChannel>();
  std::vector<Task> tasks;
  tasks.push_back(Task{[this, channel, where, produce = std::move(produce)] {
                         const auto fail = [&](const ApiError& error) {
                           channel->push(server_sent_event("error", errors.client_body(error, where)), true);
                         };
                         try {
                           produce(channel);
                         } catch (const WorkInterrupted&) {
                           channel->push({}, true);
                         } catch (const ApiError& error) {
                           fail(error);
                         } catch (const StorageFull& error) {
                           errors.log("easel serve: " + where + ": " + error.what());
                           fail(insufficient_storage());
                         } catch (const Error& error) {
                           fail(api_error_from(error));
                         } catch (const std::exception& error) {
                           fail(ApiError(500, "server_error", error.what(), {}, "internal_error"));
                         }
                       },
                       [channel] { channel->push(server_sent_event("error", shutting_down().body()), true); }});
  if (!queue.try_submit(std::move(tasks))) {
    response.set_header("Retry-After", std::to_string(queue.retry_after_seconds()));
    throw queue_full();
  }
  response.set_header("Cache-Control", "no-cache");
  response.set_chunked_content_provider(
      "text/event-stream",
      [channel](std::size_t, httplib::DataSink& sink) {
        std::string event;
        {
          std::unique_lock lock(channel->mutex);
          channel->ready.wait(lock, [&] { return !channel->events.empty() || channel->finished; });
          if (channel->events.empty()) {
            sink.done();
            return true;
          }
          event = std::move(channel->events.front());
          channel->events.pop_front();
        }
        if (!event.empty() && !sink.write(event.data(), event.size())) {
          channel->abandoned = true;
          return false;
        }
        return true;
      },
      [channel](bool success) {
        if (!success) channel->abandoned = true;
      });
}

void Server::State::generate_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response) {
  const std::string owner = owner_of(request);
  const GenerateRequest generate =
      parse_generate_request(parse_json_body(body.text, options.max_json_depth), job_settings().limits);
  // Checked before queueing so that a build without the engine answers at once.
  require_generation_engine("POST /v1/images/generations (text-to-image)", "model");
  if (generate.stream) {
    stream_generation(generate, owner, response);
    return;
  }
  GenerateControl control{.default_model = options.run.default_model,
                          .model_paths = options.model_paths,
                          .model_advice = options.run.model_advice};
  const GenerateResult done =
      run_queued<GenerateResult>([&generate, &control] { return run_generate_request(generate, control); }, response);
  store.add_usage(owner, done.usage, static_cast<int>(done.images.size()));
  send_json(response, 200, images_response(done, generate.output_format, generate.quality, unix_now()));
}

// POST /v1/images/variations: a one-step plan (generate.variation) run as an edit, n images with seeds
// seed, seed + 1, …
void Server::State::vary_images(const httplib::Request& request, ReceivedBody body, httplib::Response& response) {
  const std::string owner = owner_of(request);
  const JobSettings settings = job_settings();
  const EditRequest variation = parse_variation_request(fields_from_multipart(std::move(body)), settings.limits);
  require_generation_engine("POST /v1/images/variations", "model");
  const EditResult done = run_queued<EditResult>(
      [this, &variation, &owner, &settings] {
        const auto reserved = memory.reserve(edit_memory_estimate(variation));
        return run_variation_request(variation, EditContext{store, owner, settings.scratch_dir, settings.decode_limits,
                                                            decoded, settings.run, settings.model_paths});
      },
      response);
  store.add_usage(owner, done.usage, static_cast<int>(done.images.size()));
  send_json(response, 200, images_response(done, variation.output_format, variation.quality, unix_now()));
}

void Server::State::list_models(const httplib::Request& request, httplib::Response& response) {
  owner_of(request);
  send_json(response, 200, model_list(options.model_paths));
}

void Server::State::submit_jobs(const httplib::Request& request, ReceivedBody received, httplib::Response& response) {
  const std::string owner = owner_of(request);
  if (closing) throw shutting_down();
  const std::string key = idempotency_key(request);
  const json body = parse_json_body(received.text, options.max_json_depth);
  SubmitOutcome outcome;
  try {
    outcome = jobs.submit(body, received.text, owner, key);
  } catch (const ApiError& error) {
    if (error.status() == 429) response.set_header("Retry-After", std::to_string(queue.retry_after_seconds()));
    throw;
  }
  if (outcome.replayed) response.set_header("Idempotent-Replayed", "true");
  const int status = outcome.replayed ? 200 : 201;
  const bool batch = body.is_array() || (body.is_object() && body.contains("requests"));
  if (!batch) {
    send_json(response, status, outcome.jobs.front().to_json());
    return;
  }
  json data = json::array();
  for (const auto& job : outcome.jobs) data.push_back(job.to_json());
  send_json(response, status, {{"object", "list"}, {"data", data}});
}

void Server::State::show_job(const httplib::Request& request, httplib::Response& response) {
  const auto job = jobs.find(request.matches[1], owner_of(request));
  if (!job)
    throw ApiError(404, "invalid_request_error", "no job '" + std::string(request.matches[1]) + "'", "id",
                   "job_not_found");
  send_json(response, 200, job->to_json());
}

void Server::State::cancel_job(const httplib::Request& request, ReceivedBody, httplib::Response& response) {
  const auto job = jobs.cancel(request.matches[1], owner_of(request));
  if (!job)
    throw ApiError(404, "invalid_request_error", "no job '" + std::string(request.matches[1]) + "'", "id",
                   "job_not_found");
  if (job->state == JobState::succeeded || job->state == JobState::failed) {
    throw ApiError(409, "invalid_request_error",
                   "job " + job->id + " already " + job_state_name(job->state) + "; it cannot be cancelled", "id",
                   "job_finished");
  }
  send_json(response, 200, job->to_json());
}

void Server::State::send_asset(const httplib::Request& request, httplib::Response& response) {
  const auto asset = store.find_asset(request.matches[1], owner_of(request));
  if (!asset)
    throw ApiError(404, "invalid_request_error", "no asset '" + std::string(request.matches[1]) + "'", "id",
                   "asset_not_found");
  const Bytes bytes = store.read_asset(*asset);
  response.set_header("Cache-Control", "private, max-age=31536000, immutable");  // content-addressed
  response.set_content(reinterpret_cast<const char*>(bytes.data()), bytes.size(), asset->media_type);
}

void Server::State::send_usage(const httplib::Request& request, httplib::Response& response) {
  send_json(response, 200, store.usage(owner_of(request)));
}

void Server::State::preview_plans(const httplib::Request& request, ReceivedBody body, httplib::Response& response) {
  owner_of(request);
  send_json(response, 200,
            preview_plan(parse_json_body(body.text, options.max_json_depth), job_settings().limits,
                         job_settings().scratch_dir));
}

void Server::State::guard(const httplib::Request& request, httplib::Response& response,
                          const std::function<void()>& handle) {
  try {
    handle();
  } catch (const ApiError& error) {
    send_error(request, response, error);
  } catch (const StorageFull& error) {
    errors.log("easel serve: " + request_label(request, response) + ": " + error.what());
    send_error(request, response, insufficient_storage());
  } catch (const Error& error) {
    send_error(request, response, api_error_from(error));
  } catch (const std::exception& error) {
    send_error(request, response, ApiError(500, "server_error", error.what(), {}, "internal_error"));
  } catch (...) {
    send_error(request, response,
               ApiError(500, "server_error", "an exception of an unknown type", {}, "internal_error"));
  }
}

httplib::Server::Handler Server::State::guarded(Handler handler) {
  return [this, handler](const httplib::Request& request, httplib::Response& response) {
    guard(request, response, [&] { (this->*handler)(request, response); });
  };
}

httplib::Server::HandlerWithContentReader Server::State::with_body(BodyHandler handler) {
  return [this, handler](const httplib::Request& request, httplib::Response& response,
                         const httplib::ContentReader& reader) {
    guard(request, response, [&] {
      ReceivedBody body =
          receive_body(request, reader, body_limits(), response, [&] { return http.read_failure(request); });
      (this->*handler)(request, std::move(body), response);
    });
  };
}

void Server::State::install_routes() {
  http.Get("/health", [](const httplib::Request&, httplib::Response& response) {
    send_json(response, 200, {{"status", "ok"}});
  });
  http.Get("/v1/models", guarded(&State::list_models));
  // The Images API.
  http.Post("/v1/images/edits", with_body(&State::edit_images));
  http.Post("/v1/images/generations", with_body(&State::generate_images));
  http.Post("/v1/images/variations", with_body(&State::vary_images));
  // Jobs, their assets and usage.
  http.Post("/v1/jobs", with_body(&State::submit_jobs));
  http.Get(R"(/v1/jobs/([A-Za-z0-9_]+))", guarded(&State::show_job));
  http.Delete(R"(/v1/jobs/([A-Za-z0-9_]+))", with_body(&State::cancel_job));
  http.Get(R"(/v1/assets/([A-Za-z0-9]+))", guarded(&State::send_asset));
  http.Get("/v1/usage", guarded(&State::send_usage));
  // Plans, previewed without running.
  http.Post("/v1/plans", with_body(&State::preview_plans));
  install_web_routes(http);  // the web workspace at `/` (no key: the page asks for it)
  http.Options(R"(/.*)", [](const httplib::Request&, httplib::Response& response) { response.status = 204; });
  // Any other request that may carry a body: a 404 without reading it (httplib would otherwise read
  // it whole, with no limit for a chunked one, before finding no handler).
  const auto unknown = [this](const httplib::Request& request, httplib::Response& response,
                              const httplib::ContentReader&) {
    response.set_header("Connection", "close");
    send_error(request, response,
               ApiError(404, "invalid_request_error", "no such endpoint; see docs/server.md", {}, "unknown_url"));
  };
  http.Post(".*", unknown);
  http.Put(".*", unknown);
  http.Patch(".*", unknown);
  http.Delete(".*", unknown);
}

Server::Server(ServeOptions options) {
  if (options.data_dir.empty())
    throw Error(ErrorKind::usage, "serve: --data DIR is required (jobs, assets and usage are stored there)");
  if (options.api_keys.empty() && !is_loopback_host(options.host) && !options.insecure_no_auth) {
    throw Error(ErrorKind::usage,
                "serve: refusing to listen on " + options.host +
                    " without API keys; give --api-key KEY (or --insecure-no-auth to allow anyone on the network)");
  }
  for (const auto& key : options.api_keys) {
    if (key.size() < 8) throw Error(ErrorKind::usage, "serve: --api-key values must be at least 8 characters");
  }
  if (options.port < 0 || options.port > 65535) throw Error(ErrorKind::usage, "serve: --port must be 0..65535");
  if (options.workers == 0) options.workers = std::max(1u, std::thread::hardware_concurrency());
  if (options.queue_length == 0) throw Error(ErrorKind::usage, "serve: --queue-length must be at least 1");
  if (options.job_attempts < 1) throw Error(ErrorKind::usage, "serve: --job-attempts must be at least 1");
  // A body's bytes as sent may exceed what they decode to by chunk framing; compression only shrinks them.
  options.connections.max_body_wire_bytes = 2 * options.max_body_bytes + (1u << 20);
  state_ = std::make_unique<State>(std::move(options));
  State& state = *state_;
  state.http.set_payload_max_length(state.options.max_body_bytes);
  // x-request-id on every response, the CORS headers configured, and the key checked on the headers
  // alone, before any body is read.
  state.http.set_pre_routing_handler([&state](const httplib::Request& request, httplib::Response& response) {
    response.set_header("x-request-id", random_id("req_"));
    const std::string origin = request.get_header_value("Origin");
    for (const auto& allowed : state.options.cors_origins) {
      if (allowed == "*" || allowed == origin) {
        response.set_header("Access-Control-Allow-Origin", allowed == "*" ? "*" : origin);
        response.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key");
        response.set_header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        response.set_header("Access-Control-Expose-Headers", "x-request-id, retry-after");
        break;
      }
    }
    if (!request.path.starts_with("/v1/") || request.method == "OPTIONS")
      return httplib::Server::HandlerResponse::Unhandled;
    try {
      state.owner_of(request);
      idempotency_key(request);
    } catch (const ApiError& error) {
      response.set_header("Connection", "close");  // its body, if any, is not read
      state.send_error(request, response, error);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  state.http.set_error_handler([&state](const httplib::Request& request, httplib::Response& response) {
    if (!response.has_header("x-request-id")) response.set_header("x-request-id", random_id("req_"));
    if (!response.body.empty()) return;
    if (response.status >= 500)
      state.errors.log("easel serve: " + request_label(request, response) + ": " + std::to_string(response.status) +
                       " from the HTTP library");
    response.set_content(error_body_for_status(response.status).dump(), "application/json");
  });
  state.install_routes();
}

Server::~Server() { shutdown(); }

int Server::bind() {
  State& state = *state_;
  const int port = state.options.port == 0
                       ? state.http.bind_to_any_port(state.options.host)
                       : (state.http.bind_to_port(state.options.host, state.options.port) ? state.options.port : -1);
  if (port < 0)
    throw Error(ErrorKind::usage, "serve: cannot listen on " + state.options.host + ":" +
                                      std::to_string(state.options.port) +
                                      " (in use, or not an address of this machine)");
  return port;
}

void Server::run() {
  const JobService::Resumed resumed = state_->jobs.resume();
  if (resumed.queued > 0) std::cerr << "easel serve: resumed " << resumed.queued << " queued job(s)\n";
  if (resumed.failed > 0)
    std::cerr << "easel serve: failed " << resumed.failed << " job(s) interrupted by " << state_->options.job_attempts
              << " crashes\n";
  state_->http.listen_after_bind();
}

void Server::shutdown() {
  if (!state_) return;
  State& state = *state_;
  std::call_once(state.shutdown_once, [&state] {
    state.closing = true;
    state.queue.shutdown();  // running work finishes; waiting jobs stay queued in the store
    state.http.stop();
  });
}

}  // namespace easel::serve
