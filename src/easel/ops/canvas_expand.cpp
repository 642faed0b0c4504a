// canvas.expand: enlarge the canvas to a size or aspect ratio, keeping every original pixel.
// The classical fills live here; a generative fill arrives later through the same op.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/geometry.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

cv::Size expanded_size(cv::Size image, const Params& p) {
  if (p.has("aspect")) {
    // The smallest canvas with an exact ratio that still holds the whole image.
    const AspectRatio ratio = p.aspect("aspect");
    const int multiple = std::max((image.width + ratio.width - 1) / ratio.width,
                                  (image.height + ratio.height - 1) / ratio.height);
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

OpOutput expand(const Image& input, const Params& p) {
  const cv::Mat image = input.to_rgba8().mat();
  const cv::Size canvas = expanded_size(image.size(), p);
  if (canvas.width < image.cols || canvas.height < image.rows) {
    throw Error(ErrorKind::plan, "canvas.expand: the new canvas " + std::to_string(canvas.width) + "x" +
                                     std::to_string(canvas.height) + " is smaller than the image " +
                                     std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                                     " (use image.crop to make it smaller)");
  }
  check_output_size(canvas, "canvas.expand");
  const cv::Rect placed(anchored_origin(canvas, image.size(), p.text("anchor")), image.size());
  cv::Mat result;
  const std::string fill = p.text("fill");
  if (fill == "reflect") {
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
  if (p.has("aspect") == by_size) {
    throw Error(ErrorKind::plan, where + ": give either 'aspect' (e.g. \"16:9\") or both 'width' and 'height'");
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
  spec.params = {make_param("aspect", ParamType::aspect, "Target aspect ratio, e.g. 16:9"),
                 pixel_size_param("width", "New canvas width"), pixel_size_param("height", "New canvas height"),
                 anchor_param("Where the original image sits on the new canvas"),
                 make_choice("fill", "How the new area is filled: mirrored and progressively blurred, a colour, or transparent", {"reflect", "color", "transparent"}, "reflect"),
                 color};
  spec.regions = {RegionKind::all};
  spec.changes_canvas = true;
  spec.run = expand;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
