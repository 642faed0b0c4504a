// canvas.expand: enlarge the canvas to a size, an aspect ratio or by margins on chosen sides, keeping every
// original pixel. The new area is mirrored and blurred, a colour, transparent, or generated (outpainting:
// diffusion inpainting of the new area with the original as context).
#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/geometry.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

constexpr std::array<const char*, 4> kSides = {"left", "top", "right", "bottom"};

bool by_sides(const Params& p) {
  return std::any_of(kSides.begin(), kSides.end(), [&](const char* side) { return p.has(side); });
}

long long side(const Params& p, const char* name) { return p.has(name) ? p.integer(name) : 0; }

cv::Size expanded_size(cv::Size image, const Params& p) {
  if (by_sides(p)) {
    const long long width = image.width + side(p, "left") + side(p, "right");
    const long long height = image.height + side(p, "top") + side(p, "bottom");
    if (width > 65535 || height > 65535)
      throw Error(ErrorKind::plan, "canvas.expand: the new canvas would be larger than 65535 px on a side");
    return {static_cast<int>(width), static_cast<int>(height)};
  }
  if (p.has("aspect")) {
    // The smallest canvas with an exact ratio that still holds the whole image.
    const AspectRatio ratio = p.aspect("aspect");
    const int multiple =
        std::max((image.width + ratio.width - 1) / ratio.width, (image.height + ratio.height - 1) / ratio.height);
    return {multiple * ratio.width, multiple * ratio.height};
  }
  return {static_cast<int>(p.integer("width")), static_cast<int>(p.integer("height"))};
}

// Mirrors the image into the new area, then blurs it more the further it lies from the original, so the
// extension reads as out-of-focus surroundings rather than a visible mirror copy.
cv::Mat reflect_fill(const cv::Mat& image, const cv::Rect& placed, cv::Size canvas) {
  cv::Mat reflected;
  cv::copyMakeBorder(image, reflected, placed.y, canvas.height - placed.y - placed.height, placed.x,
                     canvas.width - placed.x - placed.width, cv::BORDER_REFLECT_101);
  cv::Mat blurred;
  const double sigma = std::max(2.0, 0.02 * std::max(canvas.width, canvas.height));
  cv::GaussianBlur(reflected, blurred, cv::Size(), sigma);
  cv::Mat outside(canvas, CV_8U, cv::Scalar(255));
  outside(placed).setTo(0);
  cv::Mat distance;
  cv::distanceTransform(outside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  const double ramp = 3 * sigma;
  cv::Mat weight = cv::min(distance / ramp, 1.0);
  cv::Mat weight4;
  cv::merge(std::vector<cv::Mat>(4, weight), weight4);
  cv::Mat reflected_f, blurred_f;
  reflected.convertTo(reflected_f, CV_32F);
  blurred.convertTo(blurred_f, CV_32F);
  cv::Mat mixed = reflected_f + weight4.mul(blurred_f - reflected_f);
  cv::Mat result;
  mixed.convertTo(result, CV_8U);
  return result;
}

// auto: generative when the step names a model, the mirrored fill otherwise.
std::string chosen_fill(const Params& p) {
  const std::string fill = p.text("fill");
  if (fill != "auto") return fill;
  return p.has("model") ? "generative" : "reflect";
}

// Outpainting: the new area is inpainted with the original around it as context. The mirrored fill is
// the starting picture (models without an inpainting UNet start from it); the original is copied back
// afterwards, so its pixels stay bit-identical whatever the model's autoencoder did to them.
cv::Mat generative_fill(const cv::Mat& image, const cv::Rect& placed, cv::Size canvas, const Params& p,
                        const RunContext& context) {
  if (placed.size() == canvas) return image.clone();  // already of the asked aspect: nothing to generate
  cv::Mat start = reflect_fill(image, placed, canvas);
  image.copyTo(start(placed));
  cv::Mat new_area(canvas, CV_32F, cv::Scalar(1));
  new_area(placed).setTo(0);
  GenerationRequest request =
      generation_request(p, GenerationMode::inpaint, "canvas.expand with fill generative", context);
  request.strength = 1.0;
  cv::Mat result =
      inpaint_within(Image(start), new_area, std::move(request), static_cast<int>(p.integer("working_size")),
                     "canvas.expand", context, seam_blend_of(p))
          .to_rgba8()
          .mat()
          .clone();
  image.copyTo(result(placed));
  return result;
}

OpOutput expand(const Image& input, const Params& p, const RunContext& context) {
  const cv::Mat image = input.to_rgba8().mat();
  const cv::Size canvas = expanded_size(image.size(), p);
  if (canvas.width < image.cols || canvas.height < image.rows) {
    throw Error(ErrorKind::plan, "canvas.expand: the new canvas " + std::to_string(canvas.width) + "x" +
                                     std::to_string(canvas.height) + " is smaller than the image " +
                                     std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                                     " (use image.crop to make it smaller)");
  }
  check_output_size(canvas, "canvas.expand");
  const cv::Point origin = by_sides(p) ? cv::Point(static_cast<int>(side(p, "left")), static_cast<int>(side(p, "top")))
                                       : anchored_origin(canvas, image.size(), p.text("anchor"));
  const cv::Rect placed(origin, image.size());
  cv::Mat result;
  const std::string fill = chosen_fill(p);
  if (fill == "generative") {
    result = generative_fill(image, placed, canvas, p, context);
  } else if (fill == "reflect") {
    result = reflect_fill(image, placed, canvas);
  } else {
    const cv::Scalar color = fill == "transparent" ? cv::Scalar(0, 0, 0, 0) : p.color("color");
    result = cv::Mat(canvas, CV_8UC4, color);
  }
  image.copyTo(result(placed));
  return {Image(result), CanvasMapping{placed.tl(), placed}};
}

void check(const Params& p, const std::string& where) {
  const bool by_size = p.has("width") || p.has("height");
  const int ways = static_cast<int>(p.has("aspect")) + static_cast<int>(by_size) + static_cast<int>(by_sides(p));
  if (ways != 1) {
    throw Error(ErrorKind::plan, where +
                                     ": give exactly one of 'aspect' (e.g. \"16:9\"), both 'width' and 'height', "
                                     "or margins to add ('left', 'right', 'top', 'bottom' in pixels)");
  }
  if (by_sides(p) && side(p, "left") + side(p, "right") + side(p, "top") + side(p, "bottom") == 0) {
    throw Error(ErrorKind::plan, where + ": the margins to add are all 0, so the canvas would not grow");
  }
  if (by_size && !(p.has("width") && p.has("height"))) {
    throw Error(ErrorKind::plan, where + ": give both 'width' and 'height' of the new canvas");
  }
}

}  // namespace

void register_canvas_expand(Registry& registry) {
  OperationSpec spec;
  spec.name = "canvas.expand";
  spec.description = "Enlarge the canvas to a size or an exact aspect ratio and fill the new area";
  ParamSpec color;
  color.name = "color";
  color.type = ParamType::color;
  color.description = "Fill colour when fill = color";
  color.default_value = "#ffffffff";
  spec.params = {
      make_param("aspect", ParamType::aspect, "Target aspect ratio, e.g. 16:9"),
      pixel_size_param("width", "New canvas width"),
      pixel_size_param("height", "New canvas height"),
      make_param("left", ParamType::integer, "Pixels to add on the left (instead of aspect or width/height)", nullptr,
                 0, 65535, "px"),
      make_param("right", ParamType::integer, "Pixels to add on the right", nullptr, 0, 65535, "px"),
      make_param("top", ParamType::integer, "Pixels to add at the top", nullptr, 0, 65535, "px"),
      make_param("bottom", ParamType::integer, "Pixels to add at the bottom", nullptr, 0, 65535, "px"),
      anchor_param("Where the original image sits on the new canvas (with aspect or width/height)"),
      make_choice("fill",
                  "How the new area is filled: mirrored and progressively blurred, a colour, transparent, or generated "
                  "(outpainting; needs a model); auto = generative when the step names a model, else reflect",
                  {"auto", "reflect", "color", "transparent", "generative"}, "auto"),
      color,
      make_param("prompt", ParamType::string, "fill = generative: what the new area shows (empty: continue the scene)",
                 ""),
      working_size_param(),
      seam_blend_param()};
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all};
  spec.changes_canvas = true;
  spec.run = expand;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
