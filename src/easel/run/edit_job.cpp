#include "easel/run/edit_job.hpp"

#include <chrono>

#include "easel/ops/seam.hpp"
#include "easel/run/kept_verifier.hpp"
#include "easel/run/segmentation_report.hpp"

namespace easel {
namespace {

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json step_records_to_json(const std::vector<StepRecord>& records) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : records) {
    steps.push_back({{"op", step.op}, {"clause", step.clause}, {"ms", step.milliseconds}, {"cached", step.cached}});
    if (!step.model.empty()) steps.back()["model"] = step.model;
    if (!step.keep.empty()) steps.back()["preserve"] = {{"action", step.keep}, {"note", step.keep_note}};
  }
  return steps;
}

}  // namespace

EditOutcome run_edit(const Image& source, const std::vector<PlanStep>& steps, ResultCache& cache,
                     const RunContext& context, const StepProgress& progress) {
  EditOutcome outcome;
  auto start = std::chrono::steady_clock::now();
  outcome.render = Executor(cache, context).render(source, steps, progress);
  outcome.execute_ms = milliseconds_since(start);
  start = std::chrono::steady_clock::now();
  outcome.preservation = verify_preservation(source, outcome.render.state);
  // Every string is read in the final image, where it lies after every later step (crop, resize, later text).
  outcome.text = verify_output_text(outcome.render.state.image, outcome.render.state.text_layers).checks;
  outcome.verify_ms = milliseconds_since(start);
  return outcome;
}

nlohmann::json build_report(const Image& source, const EditPlan& plan, const EditOutcome& outcome,
                            nlohmann::json timings_ms, const RenderState* before_round) {
  timings_ms["execute"] = outcome.execute_ms;
  timings_ms["verify"] = outcome.verify_ms;
  double compute_ms = 0;
  for (const auto& [name, value] : timings_ms.items()) compute_ms += value.get<double>();
  nlohmann::json text = nlohmann::json::array();
  bool text_ok = true;
  for (const auto& check : outcome.text) {
    text.push_back(to_json(check));
    if (check.status == TextStatus::failed) text_ok = false;
  }
  const RenderState& result = outcome.render.state;
  const nlohmann::json preserve =
      verify_kept(plan, outcome.render.kept, before_round ? *before_round : initial_state(source), result);
  bool preserve_ok = true;
  for (const auto& item : preserve) preserve_ok = preserve_ok && item["ok"].get<bool>();
  const bool ok = text_ok && preserve_ok && outcome.preservation.changed_pixels_outside == 0;
  nlohmann::json verification = {{"ok", ok},
                                 {"text", text},
                                 {"preservation", to_json(outcome.preservation)},
                                 {"preserve", preserve},
                                 {"seam", seam_to_json(measure_seam(source, result.image, result.edited))}};
  if (nlohmann::json segmentation = segmentation_verification(outcome.render.steps); !segmentation.is_null()) {
    verification["segmentation"] = std::move(segmentation);
  }
  return {{"plan", to_json(plan)},
          {"verification", verification},
          {"steps", step_records_to_json(outcome.render.steps)},
          {"timings_ms", timings_ms},
          {"usage", {{"input_tokens", 0}, {"output_tokens", 0}, {"compute_ms", compute_ms}}}};
}

}  // namespace easel
