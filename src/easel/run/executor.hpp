#pragma once
// Runs an EditPlan's steps over a source image. Every render starts from the source; each step's result
// is looked up in (and stored to) a content-addressed cache, so a new round re-renders only what changed.
// Pixels outside a step's region are copied from its input, never recomputed.
#include <functional>
#include <string>
#include <vector>

#include "easel/ops/run_context.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/render_state.hpp"
#include "easel/run/result_cache.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {

struct StepRecord {
  std::string op;
  std::string clause;
  double milliseconds = 0;
  bool cached = false;
  // The models that ran for this step, e.g. "segmentation: isnet-medium, diffusion: sd15" (the diffusion
  // model as the step or the run named it); empty when none. A step taken from the cache names them too.
  std::string model = {};
  // How the step honoured the pixels its plan preserves (RenderState::latest_step_keep): "" (untouched),
  // "shrunk", "moved", "refused" (not applied at all) or "resampled"; `keep_note` says what happened.
  std::string keep = {};
  std::string keep_note = {};
  // What decided the subject/background this step edited and how sure it was (the fallback's
  // confidence); absent when the step used no segmentation. Kept with cached results too.
  std::optional<SegmentationNote> segmentation = {};
};

// A preserved target resolved on the source: the pixels (CV_8U, 255 = keep, the source's size) that
// steps keeping it left alone.
struct KeptArea {
  json target;
  cv::Mat source_pixels;
};

struct RenderResult {
  RenderState state;
  std::vector<StepRecord> steps;
  std::vector<KeptArea> kept;  // every keep target of the steps, once each, in order of first use
};

// Called before each step starts: (index from 0, count, op name).
using StepProgress = std::function<void(std::size_t, std::size_t, const std::string&)>;

class Executor {
 public:
  Executor(ResultCache& cache, RunContext context) : cache_(cache), context_(std::move(context)) {}

  // `steps` must be validated (validate_plan). Throws Error(plan) for region problems found only now
  // (a mask of the wrong size) and Error(capability) for a missing engine, naming the step.
  // A step's keep targets are resolved on `source` and never changed: the step's region is shrunk to
  // leave them out, a crop is moved to hold them, and a step that cannot do either is refused (not
  // applied); its record says which.
  RenderResult render(const Image& source, const std::vector<PlanStep>& steps, const StepProgress& progress = {}) const;

  // `keep` (CV_8U in source coordinates) in the coordinates of `state`; resized when a resampling step
  // left no pixel mapping.
  static cv::Mat in_state_coordinates(const cv::Mat& keep, const RenderState& state);

 private:
  ResultCache& cache_;
  RunContext context_;
};

}  // namespace easel
