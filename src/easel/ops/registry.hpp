#pragma once
// The one table of operations (DESIGN §3). Each op declares itself once — name, description, typed
// parameters, accepted regions, the model it needs — and the planner, CLI, HTTP API and web UI all read
// that declaration. Adding an op is one file plus one line in registry.cpp.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/ops/param.hpp"
#include "easel/ops/run_context.hpp"
#include "easel/typeset/text_layer.hpp"

namespace easel {

// Validated parameters of one step, every declared parameter present (defaults filled in).
class Params {
 public:
  explicit Params(json values) : values_(std::move(values)) {}
  double number(const std::string& name) const { return values_.at(name).get<double>(); }
  long long integer(const std::string& name) const { return values_.at(name).get<long long>(); }
  bool boolean(const std::string& name) const { return values_.at(name).get<bool>(); }
  std::string text(const std::string& name) const { return values_.at(name).get<std::string>(); }
  cv::Scalar color(const std::string& name) const;  // RGBA 0..255
  AspectRatio aspect(const std::string& name) const;
  cv::Rect box(const std::string& name, cv::Size image) const;  // pixels
  bool has(const std::string& name) const { return values_.contains(name) && !values_.at(name).is_null(); }
  const json& values() const { return values_; }

 private:
  json values_;
};

// How the result's pixels relate to the input's, for ops that change the canvas.
struct CanvasMapping {
  // result(x, y) == input(x - offset.x, y - offset.y) for every pixel inside `copied` (result coordinates).
  cv::Point offset;
  cv::Rect copied;
};

struct OpOutput {
  Image image;
  // Set by canvas-changing ops whose result copies input pixels unchanged (crop, canvas expansion);
  // absent for resampling ops, after which no pixel corresponds exactly to the source.
  std::optional<CanvasMapping> mapping;
  // Set by placing ops: the only pixels that may differ from the input.
  std::optional<cv::Rect> changed = std::nullopt;
  // Set by text ops: each string typeset, for OCR verification.
  std::vector<TextLayer> text_layers = {};
};

// Where a placing op may put what it places (text, a pasted picture).
struct Placement {
  cv::Rect area;  // the bounding box of the step's target, in pixels
  // CV_8U masks of the input's size, 255 = keep clear, or empty. `avoid`: what an op that lays its
  // content out (text in a named area) places around when there is room: the subject and the plan's
  // preserved regions. `keep_out`: the preserved regions alone, where nothing may be drawn.
  cv::Mat avoid;
  cv::Mat keep_out;
  std::string avoided;  // what `avoid` holds, in words for the report ("the subject (isnet-medium)")
  // Set when `area` was cut to what later steps keep of the image ("the part of the image step 4
  // (image.crop) keeps"), for the report.
  std::string within;
};

// Region kinds a step's target may use (DESIGN §3). Spatial kinds need no model.
// below_text: {"below": "Summer Sale"}, the band under text an earlier step typeset (text ops only).
enum class RegionKind { all, named, box, mask, color, segmentation, text, object, below_text };

struct OperationSpec {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  std::vector<RegionKind> regions;  // accepted target kinds; {all} for whole-image-only ops
  std::string model = "none";       // what the op needs to run: none, segmentation, diffusion:inpaint, …
  bool changes_canvas = false;      // crop/resize/expand: the result has a different size
  // Every form gets the run's context (default model, segmenter, progress and cancel of generative work).
  std::function<OpOutput(const Image& input, const Params& params, const RunContext& context)> run;
  // Ops whose result depends on the region's shape (recolour matches the region's colours, removal fills
  // exactly the region) have `run_in_region` instead of `run`: it also gets the target's weight mask
  // (CV_32F, 0..1); the executor still blends the result within that mask.
  std::function<OpOutput(const Image& input, const Params& params, const cv::Mat& weight, const RunContext& context)>
      run_in_region;
  // Ops that place something inside their target (text) instead of editing all of it have `place`
  // instead of `run`: it gets the bounding box of the target in pixels and returns `changed`; the
  // executor copies only that rectangle (no feathering: text must not fade at the region's edge).
  std::function<OpOutput(const Image& input, const Params& params, const Placement& placement,
                         const RunContext& context)>
      place;
  // A placing op that lays its content out around the subject when its target names an area (`all`, a
  // named region): the executor segments the input and fills Placement::avoid for it.
  bool lays_out_around_subject = false;
  // Canvas ops that can place their window elsewhere (a crop) have `fit_around`: parameters under which
  // the result still holds all of `keep` (a rectangle of the input), or nullopt when none do. The
  // executor asks for them when the step would cut off pixels the plan preserves.
  std::function<std::optional<json>(const Image& input, const Params& params, const cv::Rect& keep)> fit_around;
  // Checks that span parameters (e.g. "exactly one of aspect or box"); throws Error(plan) naming `where`.
  std::function<void(const Params& params, const std::string& where)> check;
};

class Registry {
 public:
  void add(OperationSpec spec);
  const OperationSpec* find(const std::string& name) const;
  // Throws Error(plan) listing the known ops when `name` is not one of them.
  const OperationSpec& get(const std::string& name) const;
  const std::map<std::string, OperationSpec>& all() const { return ops_; }

 private:
  std::map<std::string, OperationSpec> ops_;
};

// The registry of every op this build has.
const Registry& registry();

// Fills defaults and checks every given parameter; throws Error(plan) naming `where`, the parameter and
// what is allowed. Unknown parameter names are errors.
json validate_params(const OperationSpec& spec, const json& given, const std::string& where);

const char* region_kind_name(RegionKind kind);
json operation_to_json(const OperationSpec& spec);

}  // namespace easel
