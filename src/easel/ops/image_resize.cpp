// image.resize: resample to a size, a width, a height or a scale factor.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/geometry.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

cv::Size target_size(cv::Size image, const Params& p) {
  if (p.has("scale")) {
    const double scale = p.number("scale");
    return {static_cast<int>(std::lround(image.width * scale)), static_cast<int>(std::lround(image.height * scale))};
  }
  const double aspect = static_cast<double>(image.width) / image.height;
  if (p.has("width") && p.has("height"))
    return {static_cast<int>(p.integer("width")), static_cast<int>(p.integer("height"))};
  if (p.has("width")) {
    const auto width = static_cast<int>(p.integer("width"));
    return {width, static_cast<int>(std::lround(width / aspect))};
  }
  const auto height = static_cast<int>(p.integer("height"));
  return {static_cast<int>(std::lround(height * aspect)), height};
}

int interpolation(const std::string& method, bool shrinking) {
  if (method == "lanczos") return cv::INTER_LANCZOS4;
  if (method == "area") return cv::INTER_AREA;
  if (method == "cubic") return cv::INTER_CUBIC;
  if (method == "linear") return cv::INTER_LINEAR;
  if (method == "nearest") return cv::INTER_NEAREST;
  // auto: area averaging does not alias when shrinking; Lanczos keeps edges sharpest when enlarging.
  return shrinking ? cv::INTER_AREA : cv::INTER_LANCZOS4;
}

OpOutput resize(const Image& input, const Params& p, const RunContext&) {
  const cv::Size size = target_size(input.mat().size(), p);
  check_output_size(size, "image.resize");
  const bool shrinking = size.area() < input.mat().size().area();
  cv::Mat result;
  cv::resize(input.mat(), result, size, 0, 0, interpolation(p.text("method"), shrinking));
  return {Image(result), std::nullopt};
}

void check(const Params& p, const std::string& where) {
  if (p.has("scale") && (p.has("width") || p.has("height"))) {
    throw Error(ErrorKind::plan, where + ": give either 'scale' or 'width'/'height', not both");
  }
  if (!p.has("scale") && !p.has("width") && !p.has("height")) {
    throw Error(ErrorKind::plan, where + ": give 'scale', 'width', 'height', or both 'width' and 'height'");
  }
}

}  // namespace

void register_image_resize(Registry& registry) {
  OperationSpec spec;
  spec.name = "image.resize";
  spec.description = "Resample to a size; one side alone keeps the aspect ratio";
  ParamSpec scale = make_param("scale", ParamType::number, "Scale factor (0.5 halves, 2 doubles)");
  scale.min = 0.01;
  scale.max = 16;
  spec.params = {pixel_size_param("width", "Output width"), pixel_size_param("height", "Output height"), scale,
                 make_choice("method", "Resampling filter; auto = area when shrinking, Lanczos when enlarging",
                             {"auto", "lanczos", "area", "cubic", "linear", "nearest"}, "auto")};
  spec.regions = {RegionKind::all};
  spec.changes_canvas = true;
  spec.run = resize;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
