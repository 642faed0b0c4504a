#pragma once
// Runs an EditPlan's steps over a source image. Every render starts from the source; each step's result
// is looked up in (and stored to) a content-addressed cache, so a new round re-renders only what changed.
// Pixels outside a step's region are copied from its input, never recomputed.
#include <functional>
#include <string>
#include <vector>

#include "easel/plan/edit_plan.hpp"
#include "easel/run/render_state.hpp"
#include "easel/run/result_cache.hpp"

namespace easel {

struct StepRecord {
  std::string op;
  std::string clause;
  double milliseconds = 0;
  bool cached = false;
  // The models that ran for this step, e.g. "segmentation: isnet-medium, diffusion: /models/sd15" (the
  // resolved diffusion model); empty when none. A step taken from the cache names only its segmenter.
  std::string model = {};
};

struct RenderResult {
  RenderState state;
  std::vector<StepRecord> steps;
};

// Called before each step starts: (index from 0, count, op name).
using StepProgress = std::function<void(std::size_t, std::size_t, const std::string&)>;

class Executor {
 public:
  explicit Executor(ResultCache& cache) : cache_(cache) {}

  // `steps` must be validated (validate_plan). Throws Error(plan) for region problems found only now
  // (a mask of the wrong size) and Error(capability) for a missing engine, naming the step. Placing steps
  // (text) keep clear of the `preserve` regions (EditPlan::preserve).
  RenderResult render(const Image& source, const std::vector<PlanStep>& steps, const StepProgress& progress = {},
                      const std::vector<PreserveItem>& preserve = {}) const;

 private:
  ResultCache& cache_;
};

}  // namespace easel
