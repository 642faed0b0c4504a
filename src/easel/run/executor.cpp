#include "easel/run/executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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

// Text put in a named area is laid out around the subject (and what the plan preserves); a box, a
// mask or a quad says exactly where it goes.
bool lays_out(const OperationSpec& spec, const PlanStep& step) {
  const RegionKind kind = region_kind_of(step.target);
  return spec.lays_out_around_subject && (kind == RegionKind::all || kind == RegionKind::named) && step.params.value("quad", json()).is_null();
}

// Subject/background targets name the segmenter that resolves them, in the report and in the cache key
// (masks the fallback made must not be reused once the model is installed).
std::string segmenter_of(const PlanStep& step, bool segments, const std::string& where) {
  if (region_kind_of(step.target) != RegionKind::segmentation && !segments) return {};
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

// Text typeset by earlier steps learns which later steps changed its pixels (verification explains a
// failed read-back with them). `changed` is CV_8U over the state's image, or a rectangle of it.
void note_changes_over_text(std::vector<TextLayer>& layers, const cv::Mat& changed, const std::string& where) {
  for (TextLayer& layer : layers) {
    const cv::Rect inside = layer.box & cv::Rect(0, 0, changed.cols, changed.rows);
    if (inside.empty() || layer.box.area() == 0) continue;
    const int count = cv::countNonZero(changed(inside));
    if (count == 0) continue;
    const long share = std::lround(100.0 * count / layer.box.area());
    layer.later_changes.push_back(where + " changed " + std::to_string(std::max(1L, share)) + "% of its box");
  }
}

// A step aimed at a string on purpose — text.replace of it, or a {"text": …} target — supersedes the
// earlier text it hits: once the output no longer reads that text, it was replaced, not lost.
void mark_superseded(std::vector<TextLayer>& layers, const std::string& text, const cv::Rect& where_changed, const std::string& what) {
  for (TextLayer& layer : layers) {
    if (layer.superseded.empty() && layer.text.find(text) != std::string::npos && (layer.box & where_changed).area() > 0) {
      layer.superseded = what;
    }
  }
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
  note_changes_over_text(after.text_layers, touched, where);
  if (region_kind_of(step.target) == RegionKind::text) {
    mark_superseded(after.text_layers, step.target["text"].get<std::string>(), cv::boundingRect(touched), where + " worked on this text");
  }
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

// The union of the plan's preserved regions over `image` (CV_8U, 255 = preserved), or empty when none.
cv::Mat preserved_mask(const std::vector<PreserveItem>& preserve, const Image& image, const std::string& where) {
  cv::Mat keep;
  for (const PreserveItem& item : preserve) {
    const cv::Mat region = resolve_region(item.target, image, where + ", preserving \"" + item.clause + "\"") > 0;
    keep = keep.empty() ? region : (keep | region);
  }
  return keep;
}

Placement placement_of(const RenderState& before, const OperationSpec& spec, const PlanStep& step, const std::vector<PreserveItem>& preserve,
                       const std::string& where) {
  Placement placement;
  placement.area = placement_area(before, step.target, where);
  if (placement.area.empty()) throw Error(ErrorKind::plan, where + ": the target region is empty, so there is nowhere to place the text");
  placement.keep_out = preserved_mask(preserve, before.image, where);
  if (!placement.keep_out.empty()) placement.avoided = std::to_string(preserve.size()) + (preserve.size() == 1 ? " preserved region" : " preserved regions");
  if (lays_out(spec, step)) {
    const SubjectMask subject = segment_subject(before.image, segmenter_policy_from_environment());
    placement.avoid = subject.alpha >= 0.5;
    if (!placement.keep_out.empty()) placement.avoid |= placement.keep_out;
    placement.avoided = "the subject (segmentation: " + subject.engine + ")" + (placement.avoided.empty() ? "" : " and " + placement.avoided);
  } else {
    placement.avoid = placement.keep_out;
  }
  return placement;
}

RenderState apply_placement_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                                 const std::vector<PreserveItem>& preserve, const std::string& where) {
  OpOutput output = spec.place(before.image, Params(step.params), placement_of(before, spec, step, preserve, where));
  RenderState after;
  after.source_offset = before.source_offset;
  after.image = before.image.clone();
  after.edited = before.edited.clone();
  after.text_layers = before.text_layers;
  const cv::Rect changed = output.changed.value_or(cv::Rect()) & cv::Rect(0, 0, after.image.width(), after.image.height());
  if (!changed.empty()) {
    output.image.to_rgba8().mat()(changed).copyTo(after.image.mat()(changed));
    after.edited(changed).setTo(255);
    cv::Mat difference, any_channel;
    cv::absdiff(before.image.mat()(changed), after.image.mat()(changed), difference);
    cv::transform(difference, any_channel, cv::Matx14f(1, 1, 1, 1));
    cv::Mat touched(after.edited.size(), CV_8U, cv::Scalar(0));
    touched(changed).setTo(255, any_channel > 0);
    note_changes_over_text(after.text_layers, touched, where);
  }
  for (auto& layer : output.text_layers) {
    if (!layer.replaces.empty()) mark_superseded(after.text_layers, layer.replaces, changed, "replaced by \"" + layer.text + "\" in " + where);
  }
  for (auto& layer : output.text_layers) after.text_layers.push_back(std::move(layer));
  return after;
}

// Earlier text follows a canvas step: shifted by a crop or expansion, scaled by a resize (which
// resamples the whole image). What falls outside the new canvas is noted on the layer.
void move_text_with_canvas(std::vector<TextLayer>& layers, const OpOutput& output, cv::Size before, const std::string& where) {
  const cv::Size after = output.image.mat().size();
  const cv::Matx33d transform =
      output.mapping ? cv::Matx33d(1, 0, output.mapping->offset.x, 0, 1, output.mapping->offset.y, 0, 0, 1)
                     : cv::Matx33d(static_cast<double>(after.width) / before.width, 0, 0, 0, static_cast<double>(after.height) / before.height, 0, 0, 0, 1);
  const auto share_inside = [](const cv::Rect& box, cv::Size canvas) {
    return box.area() > 0 ? static_cast<double>((box & cv::Rect(cv::Point(0, 0), canvas)).area()) / box.area() : 0.0;
  };
  for (TextLayer& layer : layers) {
    const double was_inside = share_inside(layer.box, before);
    transform_layer(layer, transform);
    const double now_inside = share_inside(layer.box, after);
    if (now_inside < was_inside) {
      const long cut = std::lround(100 * (was_inside - now_inside));
      layer.later_changes.push_back(where + (now_inside == 0 ? " cut all of its box out of the image" : " cut " + std::to_string(std::max(1L, cut)) + "% of its box off"));
    } else if (!output.mapping) {
      layer.later_changes.push_back(where + " resampled it");
    }
  }
}

RenderState apply_canvas_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step, const std::string& where) {
  const OpOutput output = spec.run(before.image, Params(step.params));
  RenderState after;
  after.image = output.image.to_rgba8();
  after.text_layers = before.text_layers;
  move_text_with_canvas(after.text_layers, output, before.image.mat().size(), where);
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

RenderResult Executor::render(const Image& source, const std::vector<PlanStep>& steps, const StepProgress& progress,
                              const std::vector<PreserveItem>& preserve) const {
  RenderResult result;
  result.state = initial_state(source);
  CacheKey key = hash_image(result.state.image);
  json preserved_targets = json::array();
  bool preserve_segments = false;
  for (const PreserveItem& item : preserve) {
    preserved_targets.push_back(item.target);
    preserve_segments = preserve_segments || region_kind_of(item.target) == RegionKind::segmentation;
  }
  const std::string preserve_identity = preserve.empty() ? std::string() : "\npreserve: " + preserved_targets.dump();
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PlanStep& step = steps[i];
    const std::string where = step_where(i, step.op);
    const OperationSpec& spec = registry().get(step.op);
    if (progress) progress(i, steps.size(), step.op);
    const auto started = std::chrono::steady_clock::now();
    const json identity = {{"op", step.op}, {"target", step.target}, {"params", step.params}};
    StepRecord record{step.op, step.clause, 0, false};
    // A placing step keeps clear of the preserved regions (and, laying text out, of the subject): both
    // are part of its identity.
    const bool placing = static_cast<bool>(spec.place);
    record.model = segmenter_of(step, placing && (lays_out(spec, step) || preserve_segments), where);
    key = chain_key(key, identity.dump() + (placing ? preserve_identity : std::string()),
                    file_inputs_of(step) + record.model + default_model_of(spec, step));
    if (auto cached = cache_.find(key)) {
      record.cached = true;
      result.state = std::move(*cached);
    } else {
      const ScopedGenerationRecord generation;
      result.state = spec.changes_canvas ? apply_canvas_step(result.state, spec, step, where)
                     : spec.place        ? apply_placement_step(result.state, spec, step, preserve, where)
                                         : apply_region_step(result.state, spec, step, where);
      result.state.latest_step_models = generation.models_used();
      cache_.store(key, result.state);
    }
    if (const std::string& generated = result.state.latest_step_models; !generated.empty()) {
      record.model = record.model.empty() ? generated : record.model + ", " + generated;
    }
    record.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    result.steps.push_back(std::move(record));
  }
  return result;
}

}  // namespace easel
