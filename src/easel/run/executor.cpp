#include "easel/run/executor.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/run/step_files.hpp"
#include "easel/vision/segmentation.hpp"

namespace easel {
namespace {

std::string step_where(std::size_t index, const std::string& op) {
  return "step " + std::to_string(index + 1) + " (" + op + ")";
}

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

// Text put in a named area is laid out around the subject (and what the step keeps); a box, a mask or a
// quad says exactly where it goes.
bool lays_out(const OperationSpec& spec, const PlanStep& step) {
  const RegionKind kind = region_kind_of(step.target);
  return spec.lays_out_around_subject && (kind == RegionKind::all || kind == RegionKind::named) &&
         step.params.value("quad", json()).is_null();
}

// Subject/background targets (the step's, or one it keeps) and text laid out around the subject name the
// segmenter that resolves them, in the report and in the cache key (masks the fallback made must not be
// reused once the model is installed).
std::string segmenter_of(const OperationSpec& spec, const PlanStep& step, const SegmenterSettings& segmenter,
                         const std::string& where) {
  const bool segments = lays_out(spec, step) || region_kind_of(step.target) == RegionKind::segmentation ||
                        std::any_of(step.keep.begin(), step.keep.end(),
                                    [](const json& t) { return region_kind_of(t) == RegionKind::segmentation; });
  if (!segments) return {};
  try {
    return std::string("segmentation: ") + segmentation_engine(segmenter);
  } catch (const Error& error) {
    throw Error(error.kind(), where + ": " + error.what());
  }
}

// A generative step without a model of its own runs the context's default model, so that model is part
// of its identity: another default must not reuse this model's result.
std::string default_model_of(const OperationSpec& spec, const PlanStep& step, const RunContext& context) {
  const bool takes_model =
      std::any_of(spec.params.begin(), spec.params.end(), [](const ParamSpec& param) { return param.name == "model"; });
  if (!takes_model || !step.params.value("model", nlohmann::json()).is_null()) return {};
  return "\ndefault model: " + context.default_model;
}

// What a step did to the pixels it must keep.
struct KeepOutcome {
  std::string action;
  std::string note;
};

RenderState unchanged(const RenderState& before, KeepOutcome outcome) {
  RenderState after = before;
  after.image = before.image.clone();
  after.edited = before.edited.clone();
  after.latest_step_models.clear();
  after.latest_step_keep = std::move(outcome.action);
  after.latest_step_keep_note = std::move(outcome.note);
  return after;
}

// Text typeset by earlier steps learns which later steps changed its pixels (verification explains a
// failed read-back with them). `changed` is CV_8U over the state's image.
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
void mark_superseded(std::vector<TextLayer>& layers, const std::string& text, const cv::Rect& where_changed,
                     const std::string& what) {
  for (TextLayer& layer : layers) {
    if (layer.superseded.empty() && layer.text.find(text) != std::string::npos &&
        (layer.box & where_changed).area() > 0) {
      layer.superseded = what;
    }
  }
}

RenderState apply_region_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                              const cv::Mat& keep, const std::string& where, const RunContext& context) {
  cv::Mat weight = resolve_region(step.target, before.image, where, context);
  KeepOutcome kept;
  if (!keep.empty() && cv::countNonZero((weight > 0) & keep) > 0) {
    weight.setTo(0, keep);
    if (cv::countNonZero(weight > 0) == 0)
      return unchanged(before, {"refused", "its whole region lies in what the plan preserves, so it was not applied"});
    kept = {"shrunk", "its region was shrunk to leave what the plan preserves untouched"};
  }
  const OpOutput output = spec.run_in_region ? spec.run_in_region(before.image, Params(step.params), weight, context)
                                             : spec.run(before.image, Params(step.params), context);
  RenderState after;
  after.source_offset = before.source_offset;
  after.text_layers = before.text_layers;
  const cv::Mat touched = weight > 0;
  after.image = targets_whole_image(step.target) && kept.action.empty()
                    ? output.image.to_rgba8()
                    : blend_within(before.image, output.image.to_rgba8(), weight);
  after.edited = cv::max(before.edited, touched);
  note_changes_over_text(after.text_layers, touched, where);
  if (region_kind_of(step.target) == RegionKind::text) {
    mark_superseded(after.text_layers, step.target["text"].get<std::string>(), cv::boundingRect(touched),
                    where + " worked on this text");
  }
  after.latest_step_keep = kept.action;
  after.latest_step_keep_note = kept.note;
  return after;
}

// The op draws inside the target's bounding box; only the rectangle it reports is copied from its result.
// Where a placing step puts its text: the bounding box of its region, or for {"below": TEXT} the band
// under the last layer that typeset TEXT, three quarters of its line tall (a subtitle fitted there comes
// out smaller than the text above it).
cv::Rect placement_area(const RenderState& state, const json& target, const std::string& where,
                        const RunContext& context) {
  if (region_kind_of(target) != RegionKind::below_text)
    return cv::boundingRect(resolve_region(target, state.image, where, context) > 0);
  const std::string above = target["below"].get<std::string>();
  const auto layer = std::find_if(state.text_layers.rbegin(), state.text_layers.rend(),
                                  [&](const TextLayer& l) { return l.text == above; });
  if (layer == state.text_layers.rend()) {
    throw Error(ErrorKind::plan, where + ": no earlier step adds the text \"" + above + "\" to place this under");
  }
  const int line_height = std::max(1, layer->box.height / std::max(1, layer->line_count));
  const int top = layer->box.br().y + line_height / 4;
  const int height = std::max(line_height * 3 / 4, 8);
  return cv::Rect(0, top, state.image.width(), height) & cv::Rect(0, 0, state.image.width(), state.image.height());
}

// Pixels of `changed` where `after` differs from `before`.
cv::Mat differing_pixels(const cv::Mat& before, const cv::Mat& after, const cv::Rect& changed) {
  cv::Mat difference;
  cv::absdiff(before(changed), after(changed), difference);
  std::vector<cv::Mat> channels;
  cv::split(difference, channels);
  cv::Mat differs(before.size(), CV_8U, cv::Scalar(0));
  differs(changed).setTo(255, (channels[0] | channels[1] | channels[2] | channels[3]) > 0);
  return differs;
}

// Where a placing step may draw: its area, what the step keeps (nothing may be drawn there) and, for text
// laid out in a named area, the subject too (kept clear of where there is room).
// What later steps leave of the canvas: the rectangle of the current state's pixels that their crops keep.
struct LaterWindow {
  cv::Rect rect;               // empty: not looked at (the whole canvas)
  std::string note;            // "what step 4 (image.crop) keeps", empty when the whole canvas survives
  json steps = json::array();  // the later canvas steps the window depends on (part of the cache key)
};

// Text laid out in a named area goes where later crops keep it: "at the top, crop to 4:5" means the top
// of the cropped picture.
Placement placement_of(const RenderState& before, const OperationSpec& spec, const PlanStep& step, const cv::Mat& keep,
                       const LaterWindow& later, const std::string& where, const RunContext& context) {
  Placement placement;
  placement.area = placement_area(before, step.target, where, context);
  if (placement.area.empty())
    throw Error(ErrorKind::plan, where + ": the target region is empty, so there is nowhere to place the text");
  if (const cv::Rect kept_later = placement.area & later.rect;
      !later.note.empty() && !kept_later.empty() && kept_later != placement.area) {
    placement.area = kept_later;
    placement.within = later.note;
  }
  if (!keep.empty() && cv::countNonZero(keep) > 0) {
    placement.keep_out = keep;
    placement.avoided = "what the plan preserves";
  }
  if (!lays_out(spec, step)) {
    placement.avoid = placement.keep_out;
    return placement;
  }
  const SubjectMask subject = segment_subject(before.image, context.segmenter);
  if (context.used != nullptr) context.used->segmentations.push_back(subject.note);
  // A new matrix: assigning the comparison to `avoid` while it shared keep_out's pixels would write the
  // subject into the step's keep mask.
  cv::Mat avoid = subject.alpha >= 0.5;
  if (!placement.keep_out.empty()) avoid |= placement.keep_out;
  placement.avoid = avoid;
  placement.avoided = "the subject (segmentation: " + subject.note.engine + ")" +
                      (placement.avoided.empty() ? "" : " and " + placement.avoided);
  return placement;
}

RenderState apply_placement_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                                 const cv::Mat& keep, const LaterWindow& later, const std::string& where,
                                 const RunContext& context) {
  OpOutput output = spec.place(before.image, Params(step.params),
                               placement_of(before, spec, step, keep, later, where, context), context);
  const cv::Rect changed =
      output.changed.value_or(cv::Rect()) & cv::Rect(0, 0, before.image.width(), before.image.height());
  const cv::Mat result = output.image.to_rgba8().mat();
  // What a placing op drew is all or nothing: letters clipped at a preserved edge would misspell it.
  if (!keep.empty() && !changed.empty() &&
      cv::countNonZero(differing_pixels(before.image.mat(), result, changed) & keep) > 0) {
    return unchanged(before, {"refused", "it would draw over what the plan preserves, so it was not applied"});
  }
  RenderState after;
  after.source_offset = before.source_offset;
  after.image = before.image.clone();
  after.edited = before.edited.clone();
  after.text_layers = before.text_layers;
  if (!changed.empty()) {
    note_changes_over_text(after.text_layers, differing_pixels(before.image.mat(), result, changed), where);
    result(changed).copyTo(after.image.mat()(changed));
    after.edited(changed).setTo(255);
  }
  for (const auto& layer : output.text_layers) {
    if (!layer.replaces.empty())
      mark_superseded(after.text_layers, layer.replaces, changed, "replaced by \"" + layer.text + "\" in " + where);
  }
  for (auto& layer : output.text_layers) after.text_layers.push_back(std::move(layer));
  return after;
}

// True when every pixel of `keep` lies in the part of the input a canvas step copies unchanged.
bool canvas_holds(const cv::Mat& keep, const std::optional<CanvasMapping>& mapping) {
  if (!mapping) return false;
  const cv::Rect copied_from = mapping->copied - mapping->offset;
  cv::Mat outside = keep.clone();
  outside(copied_from & cv::Rect(0, 0, keep.cols, keep.rows)).setTo(0);
  return cv::countNonZero(outside) == 0;
}

// Earlier text follows a canvas step: shifted by a crop or expansion, scaled by a resize (which
// resamples the whole image). What falls outside the new canvas is noted on the layer.
void move_text_with_canvas(std::vector<TextLayer>& layers, const OpOutput& output, cv::Size before,
                           const std::string& where) {
  const cv::Size after = output.image.mat().size();
  const cv::Matx33d transform =
      output.mapping ? cv::Matx33d(1, 0, output.mapping->offset.x, 0, 1, output.mapping->offset.y, 0, 0, 1)
                     : cv::Matx33d(static_cast<double>(after.width) / before.width, 0, 0, 0,
                                   static_cast<double>(after.height) / before.height, 0, 0, 0, 1);
  const auto share_inside = [](const cv::Rect& box, cv::Size canvas) {
    return box.area() > 0 ? static_cast<double>((box & cv::Rect(cv::Point(0, 0), canvas)).area()) / box.area() : 0.0;
  };
  for (TextLayer& layer : layers) {
    const double was_inside = share_inside(layer.box, before);
    transform_layer(layer, transform);
    const double now_inside = share_inside(layer.box, after);
    if (now_inside < was_inside) {
      const long cut = std::lround(100 * (was_inside - now_inside));
      layer.later_changes.push_back(where + (now_inside == 0
                                                 ? " cut all of its box out of the image"
                                                 : " cut " + std::to_string(std::max(1L, cut)) + "% of its box off"));
    } else if (!output.mapping) {
      layer.later_changes.push_back(where + " resampled it");
    }
  }
}

RenderState canvas_state(const RenderState& before, const OpOutput& output, const std::string& where) {
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

RenderState apply_canvas_step(const RenderState& before, const OperationSpec& spec, const PlanStep& step,
                              const cv::Mat& keep, const std::string& where, const RunContext& context) {
  OpOutput output = spec.run(before.image, Params(step.params), context);
  if (keep.empty() || cv::countNonZero(keep) == 0 || canvas_holds(keep, output.mapping))
    return canvas_state(before, output, where);
  if (!output.mapping && spec.model.rfind("diffusion", 0) == 0) {
    return unchanged(before,
                     {"refused", "it replaces every pixel, including what the plan preserves, so it was not applied"});
  }
  if (!output.mapping) {
    RenderState after = canvas_state(before, output, where);
    after.latest_step_keep = "resampled";
    after.latest_step_keep_note =
        "it resamples every pixel, so what the plan preserves is no longer bit-identical (no other step changed it)";
    return after;
  }
  const cv::Rect keep_box = cv::boundingRect(keep);
  if (spec.fit_around) {
    if (const std::optional<json> moved = spec.fit_around(before.image, Params(step.params), keep_box)) {
      const json params = validate_params(spec, *moved, where);
      output = spec.run(before.image, Params(params), context);
      if (canvas_holds(keep, output.mapping)) {
        const cv::Rect window = output.mapping->copied - output.mapping->offset;
        RenderState after = canvas_state(before, output, where);
        after.latest_step_keep = "moved";
        after.latest_step_keep_note = "its window was moved to " + std::to_string(window.width) + "x" +
                                      std::to_string(window.height) + " at (" + std::to_string(window.x) + ", " +
                                      std::to_string(window.y) + ") to hold what the plan preserves";
        return after;
      }
    }
  }
  return unchanged(
      before, {"refused",
               "it would cut off what the plan preserves, and no window of its size holds it, so it was not applied"});
}

// Keep targets resolved on the source, once per render.
class KeptAreas {
 public:
  // `source` is shared, not copied: the executor replaces states, it never writes into their pixels.
  KeptAreas(Image source, const RunContext& context) : source_(std::move(source)), context_(context) {}

  // The union of the step's keep targets in `state`'s coordinates; empty when it keeps nothing.
  cv::Mat for_step(const PlanStep& step, const RenderState& state, const std::string& where) {
    if (step.keep.empty()) return {};
    cv::Mat keep(source_.height(), source_.width(), CV_8U, cv::Scalar(0));
    for (const json& target : step.keep) keep |= resolved(target, where);
    return Executor::in_state_coordinates(keep, state);
  }

  std::vector<KeptArea> areas() const { return areas_; }

 private:
  const cv::Mat& resolved(const json& target, const std::string& where) {
    for (const KeptArea& area : areas_) {
      if (area.target == target) return area.source_pixels;
    }
    const cv::Mat pixels = resolve_region(target, source_, where + ", keep " + target.dump(), context_) > 0;
    areas_.push_back({target, pixels});
    return areas_.back().source_pixels;
  }

  Image source_;
  const RunContext& context_;
  std::vector<KeptArea> areas_;
};

cv::Matx33d translation(cv::Point by) {
  return {1, 0, static_cast<double>(by.x), 0, 1, static_cast<double>(by.y), 0, 0, 1};
}

// Runs the canvas steps after `from` (crops, expansions, resizes; not generative ones, whose canvas cannot
// be foreseen) on the current image, as they will run, keep targets included, to find the part of it
// they keep. Only geometry matters, and no step between changes it.
LaterWindow later_window(const RenderState& state, const std::vector<PlanStep>& steps, std::size_t from,
                         KeptAreas& kept, const RunContext& context) {
  const cv::Rect canvas(0, 0, state.image.width(), state.image.height());
  LaterWindow window{canvas, {}, json::array()};
  RenderState probe = state;
  cv::Matx33d probe_to_state = cv::Matx33d::eye();
  std::string cropped_by;
  for (std::size_t j = from + 1; j < steps.size(); ++j) {
    const PlanStep& step = steps[j];
    const OperationSpec& spec = registry().get(step.op);
    if (!spec.changes_canvas) continue;
    if (spec.model.rfind("diffusion", 0) == 0) break;
    const std::string where = step_where(j, step.op);
    const RenderState after = apply_canvas_step(probe, spec, step, kept.for_step(step, probe, where), where, context);
    window.steps.push_back({{"op", step.op}, {"params", step.params}, {"keep", step.keep}});
    if (after.source_offset && probe.source_offset) {
      probe_to_state = probe_to_state * translation(*probe.source_offset - *after.source_offset);
    } else if (!after.source_offset && probe.source_offset) {
      probe_to_state =
          probe_to_state * cv::Matx33d(static_cast<double>(probe.image.width()) / after.image.width(), 0, 0, 0,
                                       static_cast<double>(probe.image.height()) / after.image.height(), 0, 0, 0, 1);
    } else {
      break;  // a crop of a resampled canvas: its pixels no longer map back
    }
    const cv::Vec3d top_left = probe_to_state * cv::Vec3d(0, 0, 1),
                    bottom_right = probe_to_state * cv::Vec3d(after.image.width(), after.image.height(), 1);
    const cv::Rect visible =
        cv::Rect(
            cv::Point(static_cast<int>(std::ceil(top_left[0])), static_cast<int>(std::ceil(top_left[1]))),
            cv::Point(static_cast<int>(std::floor(bottom_right[0])), static_cast<int>(std::floor(bottom_right[1])))) &
        canvas;
    if (visible != window.rect && !visible.empty()) {
      window.rect = visible;
      cropped_by += (cropped_by.empty() ? "" : " and ") + where;
    }
    probe = after;
  }
  if (!cropped_by.empty()) window.note = "the part of the image " + cropped_by + " keeps";
  return window;
}

}  // namespace

cv::Mat Executor::in_state_coordinates(const cv::Mat& keep, const RenderState& state) {
  const cv::Size size(state.image.width(), state.image.height());
  if (!state.source_offset) {
    cv::Mat resized;
    cv::resize(keep, resized, size, 0, 0, cv::INTER_NEAREST);
    return resized;
  }
  cv::Mat placed(size, CV_8U, cv::Scalar(0));
  const cv::Point offset = *state.source_offset;
  const cv::Rect overlap = cv::Rect(cv::Point(0, 0), size) & (cv::Rect(0, 0, keep.cols, keep.rows) + offset);
  if (!overlap.empty()) keep(overlap - offset).copyTo(placed(overlap));
  return placed;
}

RenderResult Executor::render(const Image& source, const std::vector<PlanStep>& steps,
                              const StepProgress& progress) const {
  RenderResult result;
  result.state = initial_state(source);
  KeptAreas kept(result.state.image, context_);
  CacheKey key = hash_image(result.state.image);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PlanStep& step = steps[i];
    const std::string where = step_where(i, step.op);
    const OperationSpec& spec = registry().get(step.op);
    if (progress) progress(i, steps.size(), step.op);
    const auto started = std::chrono::steady_clock::now();
    json identity = {{"op", step.op}, {"target", step.target}, {"params", step.params}, {"keep", step.keep}};
    const LaterWindow later =
        spec.place && lays_out(spec, step) ? later_window(result.state, steps, i, kept, context_) : LaterWindow{};
    if (!later.steps.empty()) identity["later_canvas"] = later.steps;
    StepRecord record{step.op, step.clause, 0, false};
    record.model = segmenter_of(spec, step, context_.segmenter, where);
    key = chain_key(key, identity.dump(), file_inputs_of(step) + record.model + default_model_of(spec, step, context_));
    const cv::Mat keep = kept.for_step(step, result.state, where);
    if (auto cached = cache_.find(key)) {
      record.cached = true;
      result.state = std::move(*cached);
    } else {
      RunContext::StepUse used;
      RunContext step_context = context_;
      step_context.used = &used;
      result.state = spec.changes_canvas ? apply_canvas_step(result.state, spec, step, keep, where, step_context)
                     : spec.place ? apply_placement_step(result.state, spec, step, keep, later, where, step_context)
                                  : apply_region_step(result.state, spec, step, keep, where, step_context);
      for (const auto& model : used.models) {
        result.state.latest_step_models +=
            (result.state.latest_step_models.empty() ? "diffusion: " : ", diffusion: ") + model;
      }
      result.state.latest_step_segmentation = least_trusted(used.segmentations);
      cache_.store(key, result.state);
    }
    if (const std::string& generated = result.state.latest_step_models; !generated.empty()) {
      record.model = record.model.empty() ? generated : record.model + ", " + generated;
    }
    record.keep = result.state.latest_step_keep;
    record.keep_note = result.state.latest_step_keep_note;
    record.segmentation = result.state.latest_step_segmentation;
    record.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    result.steps.push_back(std::move(record));
  }
  result.kept = kept.areas();
  return result;
}

}  // namespace easel
