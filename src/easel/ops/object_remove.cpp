// object.remove: erase what is inside a region and fill the hole plausibly from its surroundings.
//
// `method` picks the filler. "classical": OpenCV contrib's frequency-selective reconstruction (xphoto FSR),
// which continues textures, for holes up to kFsrMaxHolePixels, and Telea's fast marching (cv::inpaint),
// which continues colours smoothly, for larger holes, where FSR's cost grows too fast (docs/ops.md has the
// measurements). "generative": diffusion inpainting of the region with a background prompt
// (inpaint_within). "auto" is generative when the step names a model, classical otherwise.
#include <algorithm>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

// Largest hole (pixels) the automatic choice gives to FSR; above it Telea. Measured on 2 cores
// (bench_classic_ops): a 15 000-pixel hole takes FSR-fast about 1 s of CPU, FSR-best about 30 s, Telea 10 ms.
constexpr int kFsrMaxHolePixels = 20'000;

// The fill only looks this far around the hole (in multiples of the hole's larger side, at least 32 px),
// so the cost follows the hole, not the photo.
constexpr double kContextFactor = 0.75;

std::string classical_algorithm(const Params& p, int hole_pixels) {
  const std::string chosen = p.text("algorithm");
  if (chosen != "auto") return chosen;
  return hole_pixels <= kFsrMaxHolePixels ? "fsr-fast" : "telea";
}

cv::Mat fill_classical(const cv::Mat& rgb, const cv::Mat& hole, const std::string& algorithm) {
  cv::Mat filled;
  if (algorithm == "telea") {
    const double radius = 5;
    cv::inpaint(rgb, hole, filled, radius, cv::INPAINT_TELEA);
    return filled;
  }
  // FSR takes the mask the other way round: non-zero marks the pixels to keep.
  const cv::Mat valid = hole == 0;
  cv::xphoto::inpaint(rgb, valid, filled,
                      algorithm == "fsr-best" ? cv::xphoto::INPAINT_FSR_BEST : cv::xphoto::INPAINT_FSR_FAST);
  return filled;
}

bool uses_generative_filler(const Params& p) {
  const std::string method = p.text("method");
  return method == "generative" || (method == "auto" && p.has("model"));
}

OpOutput remove_object(const Image& input, const Params& p, const cv::Mat& weight, const RunContext& run) {
  if (uses_generative_filler(p)) {
    GenerationRequest request =
        generation_request(p, GenerationMode::inpaint, "object.remove with method generative", run);
    request.strength = 1.0;
    return {inpaint_within(input, weight, std::move(request), static_cast<int>(p.integer("working_size")),
                           "object.remove", run, seam_blend_of(p)),
            std::nullopt};
  }
  const cv::Mat hole_full = weight > 0;
  const cv::Rect hole_box = cv::boundingRect(hole_full);
  if (hole_box.empty())
    throw Error(ErrorKind::plan, "object.remove: the target region is empty, so there is nothing to remove");
  const cv::Mat source = input.to_rgba8().mat();
  if (cv::countNonZero(hole_full) == source.rows * source.cols) {
    throw Error(
        ErrorKind::plan,
        "object.remove: the target covers the whole image, so nothing is left to fill it from; target the object only");
  }
  const int margin = std::max(32, static_cast<int>(kContextFactor * std::max(hole_box.width, hole_box.height)));
  const cv::Rect context =
      cv::Rect(hole_box.x - margin, hole_box.y - margin, hole_box.width + 2 * margin, hole_box.height + 2 * margin) &
      cv::Rect(0, 0, source.cols, source.rows);
  const cv::Mat hole = hole_full(context);
  const std::string algorithm = classical_algorithm(p, cv::countNonZero(hole));

  cv::Mat rgb;
  cv::cvtColor(source(context), rgb, cv::COLOR_RGBA2RGB);
  cv::Mat filled = fill_classical(rgb, hole, algorithm);
  cv::Mat rgba;
  cv::cvtColor(filled, rgba, cv::COLOR_RGB2RGBA);
  if (input.has_transparency()) {
    cv::Mat alpha, filled_alpha;
    cv::extractChannel(source(context), alpha, 3);
    cv::inpaint(alpha, hole, filled_alpha, 5, cv::INPAINT_TELEA);
    cv::insertChannel(filled_alpha, rgba, 3);
  }
  cv::Mat result = source.clone();
  rgba.copyTo(result(context), hole);
  return {Image(result), std::nullopt};
}

}  // namespace

void register_object_remove(Registry& registry) {
  OperationSpec spec;
  spec.name = "object.remove";
  spec.description = "Remove what is inside the region and fill it from its surroundings";
  spec.params = {
      make_choice("method",
                  "Filler: classical inpainting, or generative (diffusion inpainting; needs a model); "
                  "auto = generative when the step names a model, else classical",
                  {"auto", "classical", "generative"}, "auto"),
      make_choice("algorithm",
                  "Classical filler: fsr-fast/fsr-best continue texture (small holes), telea continues colour "
                  "(large holes); auto picks by hole size",
                  {"auto", "fsr-fast", "fsr-best", "telea"}, "auto"),
      make_param("prompt", ParamType::string, "Generative filler: what the hole becomes", "background"),
  };
  spec.params.push_back(working_size_param());
  spec.params.push_back(seam_blend_param());
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,  RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::text, RegionKind::object};
  spec.run_in_region = remove_object;
  registry.add(std::move(spec));
}

}  // namespace easel
