#pragma once
// Asynchronous jobs (POST /v1/jobs): requests validated at submission, their inputs stored as assets,
// the job rows committed, then queued on the shared WorkQueue. A worker runs a job through the same
// run_edit_request / run_generate_request as a synchronous request and stores each output as an asset
// before committing the job's result. Queued jobs survive a restart (they are resumed); jobs a crash
// left running are re-run, up to JobSettings::max_attempts starts in all: a job that takes the process
// down each time it runs fails then, instead of taking down every restart.
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/models/model_paths.hpp"
#include "easel/serve/decoded_image_cache.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/edit_service.hpp"
#include "easel/serve/error_reporter.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/serve/memory_budget.hpp"
#include "easel/serve/store.hpp"
#include "easel/serve/work_queue.hpp"

namespace easel::serve {

struct JobSettings {
  RequestLimits limits;
  DecodeLimits decode_limits;
  double default_timeout_s = 600;
  double max_timeout_s = 3600;
  std::size_t max_batch = 64;
  int max_attempts = 3;  // starts of one job, counting those a crash cut short
  std::filesystem::path scratch_dir;
  RunContext run;                  // the default diffusion model and the segmenter of edits and generations
  models::ModelPaths model_paths;  // where the requests' model names are looked up
  // Test only (EASEL_TEST_CRASH_ON_JOB, read by `easel serve`): an edit job with exactly this prompt
  // aborts the process once it has started, as a crashing engine would.
  std::string crash_on_prompt;
};

struct SubmitOutcome {
  std::vector<JobRecord> jobs;
  bool replayed = false;  // an Idempotency-Key seen before: these are the jobs it created then
};

class JobService {
 public:
  JobService(Store& store, WorkQueue& queue, DecodedImageCache& decoded, MemoryBudget& memory,
             const ErrorReporter& errors, JobSettings settings);

  // `body` is one request object or a list of them (or {"requests": [...]}); an item's `endpoint` is
  // "edits" (the default) or "generations". Throws ApiError: 400 naming
  // the item and field, 409 when `idempotency_key` was used with a different body, 429 when the batch
  // does not fit in the queue.
  SubmitOutcome submit(const nlohmann::json& body, const std::string& body_text, const std::string& owner,
                       const std::string& idempotency_key);
  struct Resumed {
    std::size_t queued = 0;  // queued again
    std::size_t failed = 0;  // started max_attempts times without finishing
  };
  // After a restart: fails the jobs crashes interrupted max_attempts times, queues every other
  // unfinished one.
  Resumed resume();
  // nullopt when the job does not exist or belongs to another key.
  std::optional<JobRecord> find(const std::string& id, const std::string& owner);
  std::optional<JobRecord> cancel(const std::string& id, const std::string& owner);

 private:
  Task task_for(const std::string& id);
  void run(const std::string& id);
  struct Output {
    ImagesResult result;
    ImageFormat format = ImageFormat::png;
  };
  Output run_edit(const JobRecord& job, const std::function<void(double)>& progress,
                  const std::function<void()>& check);
  Output run_generation(const JobRecord& job, const std::function<void(double)>& progress,
                        const std::function<void()>& check);
  Output run_variation(const JobRecord& job, const std::function<void(double)>& progress,
                       const std::function<void()>& check);
  // An edit or a variation (`run_request`) through the one edit flow, with the job's owner, progress and
  // cancel, inside the server's memory budget.
  Output run_edit_flow(const JobRecord& job, const EditRequest& request,
                       EditResult (*run_request)(const EditRequest&, const EditContext&),
                       const std::function<void(double)>& progress, const std::function<void()>& check);
  nlohmann::json stored_edit(const nlohmann::json& item, const std::string& owner);
  nlohmann::json stored_generation(nlohmann::json item);
  nlohmann::json stored_variation(nlohmann::json item, const std::string& owner);
  nlohmann::json stored_fields(const RequestFields& fields, const std::string& endpoint, const std::string& owner);

  Store& store_;
  WorkQueue& queue_;
  DecodedImageCache& decoded_;
  MemoryBudget& memory_;
  const ErrorReporter& errors_;
  JobSettings settings_;
  std::mutex submit_mutex_;  // idempotency check and insert are one step
};

}  // namespace easel::serve
