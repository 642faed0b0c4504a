#include "easel/run/edit_job.hpp"

#include <chrono>


namespace easel {
namespace {

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

EditOutcome run_edit(const Image& source, const std::vector<PlanStep>& steps, ResultCache& cache, const StepProgress& progress) {
  EditOutcome outcome;
  auto start = std::chrono::steady_clock::now();
  outcome.render = Executor(cache).render(source, steps, progress);
  outcome.execute_ms = milliseconds_since(start);
  start = std::chrono::steady_clock::now();
  outcome.preservation = verify_preservation(source, outcome.render.state);
  outcome.text = verify_text(outcome.render.state.text_layers);
  outcome.verify_ms = milliseconds_since(start);
  return outcome;
}

nlohmann::json build_report(const EditPlan& plan, const EditOutcome& outcome, nlohmann::json timings_ms) {
  timings_ms["execute"] = outcome.execute_ms;
  timings_ms["verify"] = outcome.verify_ms;
  double compute_ms = 0;
  for (const auto& [name, value] : timings_ms.items()) compute_ms += value.get<double>();
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : outcome.render.steps) {
    steps.push_back({{"op", step.op}, {"clause", step.clause}, {"ms", step.milliseconds}, {"cached", step.cached}});
    if (!step.model.empty()) steps.back()["model"] = step.model;
  }
  nlohmann::json text = nlohmann::json::array();
  for (const auto& check : outcome.text) text.push_back(to_json(check));
  return {{"plan", to_json(plan)},
          {"verification", {{"text", text}, {"preservation", to_json(outcome.preservation)}}},
          {"steps", steps},
          {"timings_ms", timings_ms},
          {"usage", {{"input_tokens", 0}, {"output_tokens", 0}, {"compute_ms", compute_ms}}}};
}

}  // namespace easel
