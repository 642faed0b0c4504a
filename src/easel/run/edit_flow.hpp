#pragma once
// The one edit flow (DESIGN §1): everything between a door's parsing and its encoding. The CLI, the HTTP
// API and jobs read their input into an EditOrder, call plan_edit and then render_edit, and encode what
// comes back. None of them plans, binds masks, chooses seeds, adds size steps, runs or verifies on its
// own, so the same edit gives the same image and the same report through every door.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/plan/planner.hpp"
#include "easel/run/edit_job.hpp"

namespace easel {

// An edit as a door read it. Errors about one of its fields carry the field's name here (Error::field:
// "instruction", "plan", "model", "seed", "variants", "size"), for the door to say in its own words.
struct EditOrder {
  std::string instruction;            // planned when `plan` is absent
  std::optional<EditPlan> plan;       // an explicit plan, the files it reads bound to local paths
  PlanInputs inputs;                  // reference image files, and the mask file (white = edit)
  std::string model;                  // diffusion model of the steps that take one and name none
  std::optional<std::uint64_t> seed;  // seed of the generative steps; absent: a random one, recorded
  int variants = 1;                   // images to render: image i adds i to every generative seed
  std::optional<cv::Size> size;       // the output's size: a centred crop to its aspect, then a resize
};

// Nothing in the order maps to an operation: Error(plan) whose message quotes each clause and why
// (`not done: "CLAUSE": REASON; …`), field "instruction" or "plan".
class NothingToDo : public Error {
 public:
  using Error::Error;
};

// The order planned, as a preview shows it: the instruction planned (or the explicit plan validated),
// the mask made the target of every whole-image step that accepts one, the size steps appended and the
// preserve targets bound to every step. A plan with no step is returned as it is (its `unsupported`
// says why). Throws Error(plan or usage, field "instruction" or "plan").
EditPlan draft_edit(const EditOrder& order);

// draft_edit, ready to render: the model and seed set on the steps that take them (a step that may
// generate gets a random seed when none is given, written into the plan so it reproduces). Throws
// NothingToDo when nothing maps to an operation, and
// Error(usage, field "variants"/"seed") when variants > 1 cannot differ or would pass the largest seed.
EditPlan plan_edit(const EditOrder& order);

// Where a render is, for progress lines and bars.
struct EditProgress {
  int variant = 0;  // from 0
  int variants = 1;
  std::size_t step = 0;  // the plan step starting or running, from 0
  std::size_t steps = 1;
  std::string op;
  int denoised = 0;         // denoising steps done inside a generative step, of `denoise_total`
  int denoise_total = 0;    // 0 outside generative steps
  double fraction() const;  // of the whole render, all variants
};

struct EditControl {
  std::function<void(const EditProgress&)> on_progress;
  // Polled before each plan step and each denoising step; whatever it throws stops the render and is
  // rethrown (a cancelled job, a timeout, a client that left).
  std::function<void()> check;
  // Partial images, at most `partial_images` in all: denoising previews of generative steps (placed into
  // the picture) and renders of the plan's first steps.
  int partial_images = 0;
  std::function<void(const Image&)> on_partial;
};

struct EditRender {
  std::vector<Image> images;         // one per variant
  std::vector<EditPlan> plans;       // the plan each image rendered (its seeds), for output metadata
  std::vector<std::uint64_t> seeds;  // each variant's first generative seed; empty when none generates
  EditOutcome outcome;               // of the first image
  // DESIGN §5, of the first image: plan, verification (text, preservation, seam, preserve, ok), steps,
  // timings (the door's stages given to render_edit, plus execute and verify) and usage.
  nlohmann::json report;
  bool verified = true;  // report.verification.ok
};

// Renders `plan` (from plan_edit, for the same number of `variants`) over `source` after `earlier` (the
// steps of a document's earlier rounds; empty for a single edit), verifies the result and builds the
// report. `timings_ms` holds the door's own stages (decode, plan).
EditRender render_edit(const Image& source, const std::vector<PlanStep>& earlier, const EditPlan& plan, int variants,
                       ResultCache& cache, const RunContext& context, const EditControl& control,
                       nlohmann::json timings_ms);

}  // namespace easel
