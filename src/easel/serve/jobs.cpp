#include "easel/serve/jobs.hpp"

#include <cstdlib>

#include "easel/ops/generation_engine.hpp"
#include "easel/serve/api_error.hpp"
#include "easel/serve/edit_service.hpp"
#include "easel/serve/generation_service.hpp"
#include "easel/serve/variation_request.hpp"
#include "easel/serve/variation_service.hpp"

namespace easel::serve {
using nlohmann::json;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<json> items_of(const json& body, std::size_t max_batch) {
  std::vector<json> items;
  if (body.is_array()) {
    items.assign(body.begin(), body.end());
  } else if (body.is_object() && body.contains("requests")) {
    if (!body["requests"].is_array()) throw invalid_field("requests", "'requests' must be a list of request objects");
    items.assign(body["requests"].begin(), body["requests"].end());
  } else if (body.is_object()) {
    items.push_back(body);
  } else {
    throw invalid_field("", "the body must be a request object or a list of them");
  }
  if (items.empty()) throw invalid_field("requests", "the batch is empty");
  if (items.size() > max_batch) {
    throw invalid_field("requests", "at most " + std::to_string(max_batch) + " requests per batch, got " +
                                        std::to_string(items.size()));
  }
  return items;
}

// Re-labels an ApiError from one item of a batch so the client knows which one.
ApiError for_item(const ApiError& error, std::size_t index, std::size_t count) {
  if (count == 1) return error;
  const std::string param =
      "requests[" + std::to_string(index) + "]" + (error.param().empty() ? "" : "." + error.param());
  return ApiError(error.status(), error.type(), "requests[" + std::to_string(index) + "]: " + error.what(), param,
                  error.code());
}

// A stored request: its text fields and the asset ids of its images, rebuilt into RequestFields to run.
RequestFields fields_from_stored(const json& stored, Store& store, const std::string& owner) {
  RequestFields fields;
  for (const auto& [name, value] : stored["fields"].items()) fields.text.emplace(name, value.get<std::string>());
  const auto load = [&](const std::string& id) {
    const auto asset = store.find_asset(id, owner);
    if (!asset)
      throw ApiError(500, "server_error", "input asset " + id + " is missing from the store", {}, "internal_error");
    return Upload{id, asset->media_type, std::make_shared<const Bytes>(store.read_asset(*asset))};
  };
  for (const auto& id : stored["images"]) fields.files.emplace("image[]", load(id.get<std::string>()));
  if (stored.contains("mask")) fields.files.emplace("mask", load(stored["mask"].get<std::string>()));
  return fields;
}

constexpr const char* kEditsEndpoint = "/v1/images/edits";
constexpr const char* kGenerationsEndpoint = "/v1/images/generations";
constexpr const char* kVariationsEndpoint = "/v1/images/variations";

// An item's `endpoint`: "edits" (also when absent), "generations" or "variations", short or as the path.
std::string endpoint_of(const json& item) {
  if (!item.is_object() || !item.contains("endpoint")) return kEditsEndpoint;
  const json& endpoint = item["endpoint"];
  if (endpoint == "edits" || endpoint == kEditsEndpoint) return kEditsEndpoint;
  if (endpoint == "generations" || endpoint == kGenerationsEndpoint) return kGenerationsEndpoint;
  if (endpoint == "variations" || endpoint == kVariationsEndpoint) return kVariationsEndpoint;
  throw invalid_field("endpoint", "'endpoint' must be \"edits\" (the default), \"generations\" or \"variations\"");
}

// A job's result: its outputs (stored as assets first) in the Images API's shape.
json job_output(Store& store, const ImagesResult& result, ImageFormat format, const std::string& owner) {
  json data = json::array();
  for (const auto& image : result.images) {
    const auto asset = store.put_asset(image, media_type(format), owner);
    data.push_back({{"asset_id", asset.id},
                    {"media_type", asset.media_type},
                    {"bytes", asset.size},
                    {"url", "/v1/assets/" + asset.id}});
  }
  return {{"created", static_cast<std::int64_t>(now_seconds())},
          {"data", data},
          {"size", std::to_string(result.width) + "x" + std::to_string(result.height)},
          {"output_format", format_name(format)},
          {"usage", result.usage.to_json()},
          {"easel", result.easel}};
}

}  // namespace

JobService::JobService(Store& store, WorkQueue& queue, DecodedImageCache& decoded, MemoryBudget& memory,
                       const ErrorReporter& errors, JobSettings settings)
    : store_(store),
      queue_(queue),
      decoded_(decoded),
      memory_(memory),
      errors_(errors),
      settings_(std::move(settings)) {}

json JobService::stored_edit(const json& item, const std::string& owner) {
  const RequestFields fields = fields_from_json(item);
  if (parse_edit_request(fields, settings_.limits).stream) {
    throw invalid_field("stream",
                        "a job's result is fetched with GET /v1/jobs/{id}; stream only on POST /v1/images/edits",
                        "unsupported_value");
  }
  return stored_fields(fields, kEditsEndpoint, owner);
}

json JobService::stored_variation(json item, const std::string& owner) {
  // The seed is fixed now, so a job run again after a crash makes the same images.
  if (!item.contains("seed")) item["seed"] = random_seed();
  const RequestFields fields = fields_from_json(item);
  parse_variation_request(fields, settings_.limits);
  require_generation_engine("a variations job", "model");
  return stored_fields(fields, kVariationsEndpoint, owner);
}

// Text fields as they are, images and the mask as assets (so a restart still has them).
json JobService::stored_fields(const RequestFields& fields, const std::string& endpoint, const std::string& owner) {
  json stored = {{"endpoint", endpoint}, {"fields", json::object()}, {"images", json::array()}};
  for (const auto& [name, value] : fields.text) stored["fields"][name] = value;
  for (const char* name : {"image", "image[]"}) {
    for (auto [it, end] = fields.files.equal_range(name); it != end; ++it) {
      stored["images"].push_back(
          store_.put_asset(*it->second.bytes, media_type(probe_image(*it->second.bytes).format), owner).id);
    }
  }
  if (const auto mask = fields.files.find("mask"); mask != fields.files.end()) {
    stored["mask"] = store_.put_asset(*mask->second.bytes, "image/png", owner).id;
  }
  return stored;
}

json JobService::stored_generation(json item) {
  const GenerateRequest request = parse_generate_request(item, settings_.limits);
  if (request.stream) {
    throw invalid_field("stream",
                        "a job's result is fetched with GET /v1/jobs/{id}; stream only on POST /v1/images/generations",
                        "unsupported_value");
  }
  require_generation_engine("a generations job", "model");
  // The seed is fixed now, so a job run again after a crash makes the same images.
  if (!request.settings.seed) item["seed"] = random_seed();
  return {{"endpoint", kGenerationsEndpoint}, {"body", item}};
}

SubmitOutcome JobService::submit(const json& body, const std::string& body_text, const std::string& owner,
                                 const std::string& idempotency_key) {
  const auto items = items_of(body, settings_.max_batch);
  const std::string body_hash = sha256_hex(body_text);
  std::lock_guard lock(submit_mutex_);
  if (!idempotency_key.empty()) {
    auto earlier = store_.jobs_with_idempotency_key(owner, idempotency_key);
    if (!earlier.empty()) {
      if (earlier.front().request_hash != body_hash) {
        throw ApiError(409, "invalid_request_error",
                       "Idempotency-Key '" + idempotency_key + "' was used with a different request body",
                       "Idempotency-Key", "idempotency_key_reused");
      }
      return {std::move(earlier), true};
    }
  }
  std::vector<JobRecord> jobs;
  const double created = now_seconds();
  for (std::size_t index = 0; index < items.size(); ++index) {
    json item = items[index];
    JobRecord job;
    job.id = random_id("job_");
    job.owner = owner;
    job.created = created;
    job.batch_index = static_cast<int>(index);
    job.idempotency_key = idempotency_key;
    job.request_hash = body_hash;
    job.timeout_s = settings_.default_timeout_s;
    try {
      if (item.is_object() && item.contains("timeout_s")) {
        const auto& timeout = item["timeout_s"];
        if (!timeout.is_number() || timeout.get<double>() <= 0 || timeout.get<double>() > settings_.max_timeout_s) {
          throw invalid_field("timeout_s", "'timeout_s' must be a number of seconds in (0, " +
                                               std::to_string(static_cast<int>(settings_.max_timeout_s)) + "]");
        }
        job.timeout_s = timeout.get<double>();
        item.erase("timeout_s");
      }
      const std::string endpoint = endpoint_of(item);
      if (item.is_object()) item.erase("endpoint");
      job.request = endpoint == kGenerationsEndpoint  ? stored_generation(item)
                    : endpoint == kVariationsEndpoint ? stored_variation(item, owner)
                                                      : stored_edit(item, owner);
    } catch (const ApiError& error) {
      throw for_item(error, index, items.size());
    }
    jobs.push_back(std::move(job));
  }
  store_.insert_jobs(jobs);
  std::vector<Task> tasks;
  for (const auto& job : jobs) tasks.push_back(task_for(job.id));
  if (!queue_.try_submit(std::move(tasks))) {
    store_.remove_jobs(jobs);
    throw ApiError(429, "rate_limit_exceeded",
                   "the job queue is full (" + std::to_string(queue_.pending()) +
                       " waiting); retry after the time in the retry-after header",
                   {}, "queue_full");
  }
  return {std::move(jobs), false};
}

JobService::Resumed JobService::resume() {
  const Store::Unfinished unfinished = store_.requeue_unfinished(settings_.max_attempts);
  for (const auto& job : unfinished.exhausted) {
    const ApiError error(500, "server_error",
                         "the server stopped " + std::to_string(job.attempts) +
                             " times while running this job (a crash, a kill or a power loss); " + "after " +
                             std::to_string(settings_.max_attempts) + " attempts it is not run again (--job-attempts)",
                         {}, "job_attempts_exhausted");
    errors_.log("easel serve: job " + job.id + " failed: " + error.what());
    store_.finish_job(job.id, JobState::failed, nullptr, error.body());
  }
  for (const auto& id : unfinished.queued) queue_.submit_resumed(task_for(id));
  return {unfinished.queued.size(), unfinished.exhausted.size()};
}

std::optional<JobRecord> JobService::find(const std::string& id, const std::string& owner) {
  auto job = store_.job(id);
  if (!job || job->owner != owner) return std::nullopt;
  return job;
}

std::optional<JobRecord> JobService::cancel(const std::string& id, const std::string& owner) {
  if (!find(id, owner)) return std::nullopt;
  return store_.request_cancel(id);
}

Task JobService::task_for(const std::string& id) {
  // A job left waiting at shutdown stays queued in the store and is resumed by the next start.
  return Task{[this, id] { run(id); }, {}};
}

void JobService::run(const std::string& id) {
  if (!store_.start_job(id)) return;  // cancelled while waiting
  const auto job = store_.job(id);
  if (!job) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(job->timeout_s);
  // Polled before each plan step and each denoising step: one read of the job's row.
  const auto check = [&] {
    const auto now = store_.job(id);
    if (now && now->cancel_requested) throw WorkInterrupted(false, "cancelled by DELETE /v1/jobs/" + id);
    if (std::chrono::steady_clock::now() > deadline) {
      throw WorkInterrupted(true, "the job ran past its timeout of " + std::to_string(job->timeout_s) + " s");
    }
  };
  const auto progress = [&](double fraction) { store_.set_progress(id, fraction); };
  if (!settings_.crash_on_prompt.empty() && job->request.contains("fields") &&
      job->request["fields"].value("prompt", "") == settings_.crash_on_prompt) {
    std::abort();
  }
  const std::string where = "job " + id;
  try {
    const std::string endpoint = job->request.value("endpoint", "");
    const Output done = endpoint == kGenerationsEndpoint  ? run_generation(*job, progress, check)
                        : endpoint == kVariationsEndpoint ? run_variation(*job, progress, check)
                                                          : run_edit(*job, progress, check);
    store_.finish_job(id, JobState::succeeded, job_output(store_, done.result, done.format, job->owner), nullptr);
    store_.add_usage(job->owner, done.result.usage, static_cast<int>(done.result.images.size()));
  } catch (const WorkInterrupted& stop) {
    if (stop.timed_out()) {
      store_.finish_job(id, JobState::failed, nullptr,
                        ApiError(408, "timeout", stop.what(), "timeout_s", "job_timeout").body());
    } else {
      store_.finish_job(id, JobState::cancelled, nullptr, nullptr);
    }
  } catch (const ApiError& error) {
    store_.finish_job(id, JobState::failed, nullptr, errors_.client_body(error, where));
  } catch (const StorageFull& error) {
    errors_.log("easel serve: " + where + ": " + error.what());
    store_.finish_job(id, JobState::failed, nullptr, insufficient_storage().body());
  } catch (const Error& error) {
    store_.finish_job(id, JobState::failed, nullptr, errors_.client_body(api_error_from(error), where));
  } catch (const std::exception& error) {
    store_.finish_job(id, JobState::failed, nullptr,
                      errors_.client_body(ApiError(500, "server_error", error.what(), {}, "internal_error"), where));
  }
}

JobService::Output JobService::run_edit(const JobRecord& job, const std::function<void(double)>& progress,
                                        const std::function<void()>& check) {
  const EditRequest request = parse_edit_request(fields_from_stored(job.request, store_, job.owner), settings_.limits);
  return run_edit_flow(job, request, run_edit_request, progress, check);
}

JobService::Output JobService::run_variation(const JobRecord& job, const std::function<void(double)>& progress,
                                             const std::function<void()>& check) {
  RequestFields fields = fields_from_stored(job.request, store_, job.owner);
  // Stored images come back as image[]; a variation reads its one image as `image`.
  auto images = std::move(fields.files);
  fields.files.clear();
  for (auto& [name, upload] : images) fields.files.emplace("image", std::move(upload));
  const EditRequest request = parse_variation_request(fields, settings_.limits);
  return run_edit_flow(job, request, run_variation_request, progress, check);
}

JobService::Output JobService::run_edit_flow(const JobRecord& job, const EditRequest& request,
                                             EditResult (*run_request)(const EditRequest&, const EditContext&),
                                             const std::function<void(double)>& progress,
                                             const std::function<void()>& check) {
  EditContext context{store_,   job.owner,     settings_.scratch_dir, settings_.decode_limits,
                      decoded_, settings_.run, settings_.model_paths};
  context.progress = progress;
  context.check = check;
  const auto memory = memory_.reserve(edit_memory_estimate(request), check);
  return {run_request(request, context), request.output_format};
}

JobService::Output JobService::run_generation(const JobRecord& job, const std::function<void(double)>& progress,
                                              const std::function<void()>& check) {
  const GenerateRequest request = parse_generate_request(job.request["body"], settings_.limits);
  GenerateControl control{.default_model = settings_.run.default_model,
                          .model_paths = settings_.model_paths,
                          .model_advice = settings_.run.model_advice};
  control.progress = progress;
  control.check = check;
  check();
  return {run_generate_request(request, control), request.output_format};
}

}  // namespace easel::serve
