#include "easel/run/executor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/run/step_files.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {
namespace {

std::string step_where(std::size_t index, const std::string& op) { return "step " + std::to_string(index + 1) + " (" + op + ")"; }

// The files a step reads are part of its identity: their content goes into the cache key.
std::string file_inputs_of(PlanStep step) {
  std::string contents;
  for (const json* path : file_paths_of(step)) {
    const auto bytes = read_file_bytes(path->get<std::string>());
    contents.append(bytes.begin(), bytes.end());
    contents += '\n';
  }
  return contents;
}

// Subject/background targets name the segmenter that resolves them, in the report and in the cache key
// (masks the fallback made must not be reused once the model is installed).
std::string segmenter_of(const PlanStep& step, const std::string& where) {
  if (region_kind_of(step.target) != RegionKind::segmentation) return {};
  try {
    return std::string("segmentation: ") + segmentation_engine(segmenter_policy_from_environment());
  } catch (const Error& error) {
    throw Error(error.kind(), where + ": " + error.what());
  }
}

// A generative step without a model of its own runs EASEL_MODEL's (ops/generation.hpp), so that model
// is part of its identity: changing EASEL_MODEL must not reuse another model's result.
std::string default_model_of(const OperationSpec& spec, const PlanStep& step) {
  const bool takes_model = std::any_of(spec.params.begin(), spec.params.end(), [](const ParamSpec& param) { return param.name == "model"; });
  if (!takes_model || !step.params.value("model", nlohmann::json()).is_null()) return {};
  const char* model = std::getenv("EASEL_MODEL");
  return model != nullptr ? std::string("\ndefault model: ") + model : std::string();
}

RenderState apply_region_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                              const std::string& where) {
  const cv::Mat weight = resolve_region(step.target, before.image, where);
  const OpOutput output = spec.run_in_region ? spec.run_in_region(before.image, Params(step.params), weight)
                                             : spec.run(before.image, Params(step.params));
  RenderState after;
  after.source_offset = before.source_offset;
  after.text_layers = before.text_layers;
  const cv::Mat touched = weight > 0;
  after.image = targets_whole_image(step.target) ? output.image.to_rgba8()
                                                 : blend_within(before.image, output.image.to_rgba8(), weight);
  after.edited = cv::max(before.edited, touched);
  return after;
}

// The op draws inside the target's bounding box; only the rectangle it reports is copied from its result.
// Where a placing step puts its text: the bounding box of its region, or for {"below": TEXT} the band
// under the last layer that typeset TEXT, three quarters of its line tall (a subtitle fitted there comes
// out smaller than the text above it).
cv::Rect placement_area(const RenderState& state, const json& target, const std::string& where) {
  if (region_kind_of(target) != RegionKind::below_text) return cv::boundingRect(resolve_region(target, state.image, where) > 0);
  const std::string above = target["below"].get<std::string>();
  const auto layer = std::find_if(state.text_layers.rbegin(), state.text_layers.rend(), [&](const TextLayer& l) { return l.text == above; });
  if (layer == state.text_layers.rend()) {
    throw Error(ErrorKind::plan, where + ": no earlier step adds the text \"" + above + "\" to place this under");
  }
  const int line_height = std::max(1, layer->box.height / std::max(1, layer->line_count));
  const int top = layer->box.br().y + line_height / 4;
  const int height = std::max(line_height * 3 / 4, 8);
  return cv::Rect(0, top, state.image.width(), height) & cv::Rect(0, 0, state.image.width(), state.image.height());
}

RenderState apply_placement_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                                 const std::string& where) {
  const cv::Rect area = placement_area(before, step.target, where);
  if (area.empty()) throw Error(ErrorKind::plan, where + ": the target region is empty, so there is nowhere to place the text");
  OpOutput output = spec.place(before.image, Params(step.params), area);
  RenderState after;
  after.source_offset = before.source_offset;
  after.image = before.image.clone();
  after.edited = before.edited.clone();
  const cv::Rect changed = output.changed.value_or(cv::Rect()) & cv::Rect(0, 0, after.image.width(), after.image.height());
  if (!changed.empty()) {
    output.image.to_rgba8().mat()(changed).copyTo(after.image.mat()(changed));
    after.edited(changed).setTo(255);
  }
  after.text_layers = before.text_layers;
  for (auto& layer : output.text_layers) after.text_layers.push_back(std::move(layer));
  return after;
}

RenderState apply_canvas_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step) {
  const OpOutput output = spec.run(before.image, Params(step.params));
  RenderState after;
  after.image = output.image.to_rgba8();
  after.text_layers = before.text_layers;
  after.edited = cv::Mat(after.image.height(), after.image.width(), CV_8U, cv::Scalar(255));
  if (output.mapping && before.source_offset) {
    const CanvasMapping& mapping = *output.mapping;
    const cv::Rect source_rect = mapping.copied - mapping.offset;
    before.edited(source_rect).copyTo(after.edited(mapping.copied));
    after.source_offset = *before.source_offset + mapping.offset;
  } else {
    after.source_offset.reset();
  }
  return after;
}

}  // namespace

RenderResult Executor::render(const Image& source, const std::vector<PlanStep>& steps, const StepProgress& progress) const {
  RenderResult result;
  result.state = initial_state(source);
  CacheKey key = hash_image(result.state.image);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PlanStep& step = steps[i];
    const std::string where = step_where(i, step.op);
    const OperationSpec& spec = registry().get(step.op);
    if (progress) progress(i, steps.size(), step.op);
    const auto started = std::chrono::steady_clock::now();
    const json identity = {{"op", step.op}, {"target", step.target}, {"params", step.params}};
    StepRecord record{step.op, step.clause, 0, false};
    record.model = segmenter_of(step, where);
    key = chain_key(key, identity.dump(), file_inputs_of(step) + record.model + default_model_of(spec, step));
    if (auto cached = cache_.find(key)) {
      record.cached = true;
      result.state = std::move(*cached);
    } else {
      const ScopedGenerationRecord generation;
      const ScopedSegmentationRecord segmentation;
      result.state = spec.changes_canvas ? apply_canvas_step(result.state, spec, step)
                     : spec.place        ? apply_placement_step(result.state, spec, step, where)
                                         : apply_region_step(result.state, spec, step, where);
      result.state.latest_step_models = generation.models_used();
      result.state.latest_step_segmentation = segmentation.least_trusted();
      cache_.store(key, result.state);
    }
    if (const std::string& generated = result.state.latest_step_models; !generated.empty()) {
      record.model = record.model.empty() ? generated : record.model + ", " + generated;
    }
    record.segmentation = result.state.latest_step_segmentation;
    record.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    result.steps.push_back(std::move(record));
  }
  return result;
}

}  // namespace easel
