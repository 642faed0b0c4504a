// image.upscale: enlarge ×2, ×3, ×4 or to a size, with classical super-resolution.
//
// Methods: bicubic and Lanczos resampling; "sharp", Lanczos plus unsharp masking applied only along
// edges (flat areas and noise are left alone); "backprojection", iterative back-projection (Irani &
// Peleg 1991): the enlargement is corrected until shrinking it again gives back the input. OpenCV has no
// single-image back-projection, so its few lines are written here on top of cv::resize. No learned model
// is offered: docs/ops.md says which were tried and why none qualified.
#include "easel/ops/image_upscale.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/geometry.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

constexpr int kBackprojectionRounds = 4;
constexpr double kSharpenAmount = 0.6;
// Gradient magnitude (Sobel on 0..255 grey) from which an edge is sharpened fully; below it, less.
constexpr float kEdgeGradient = 40;

cv::Mat enlarge(const cv::Mat& image, int factor, int interpolation) {
  cv::Mat result;
  cv::resize(image, result, cv::Size(), factor, factor, interpolation);
  return result;
}

cv::Mat sharpened_along_edges(const cv::Mat& input, int factor) {
  cv::Mat up = enlarge(input, factor, cv::INTER_LANCZOS4);
  cv::Mat blurred, grey, gx, gy, magnitude;
  cv::GaussianBlur(up, blurred, cv::Size(), 0.5 * factor);
  cv::cvtColor(up, grey, cv::COLOR_RGBA2GRAY);
  cv::Sobel(grey, gx, CV_32F, 1, 0);
  cv::Sobel(grey, gy, CV_32F, 0, 1);
  cv::magnitude(gx, gy, magnitude);
  cv::Mat gate = cv::min(magnitude * (1.0 / (4 * kEdgeGradient)), 1.0);  // Sobel's gain is 4
  cv::Mat up_f, blurred_f;
  up.convertTo(up_f, CV_32F);
  blurred.convertTo(blurred_f, CV_32F);
  cv::Mat gate4;
  cv::merge(std::vector<cv::Mat>{gate, gate, gate, cv::Mat::zeros(gate.size(), CV_32F)}, gate4);
  cv::Mat result_f = up_f + (up_f - blurred_f).mul(gate4) * kSharpenAmount;
  cv::Mat result;
  result_f.convertTo(result, CV_8U);
  return result;
}

cv::Mat back_projected(const cv::Mat& input, int factor) {
  cv::Mat low;
  input.convertTo(low, CV_32F);
  cv::Mat estimate = enlarge(low, factor, cv::INTER_CUBIC);
  for (int round = 0; round < kBackprojectionRounds; ++round) {
    cv::Mat shrunk;
    cv::resize(estimate, shrunk, low.size(), 0, 0, cv::INTER_AREA);
    estimate += enlarge(low - shrunk, factor, cv::INTER_CUBIC);
  }
  cv::Mat result;
  estimate.convertTo(result, CV_8U);
  return result;
}

cv::Mat upscale_whole(const cv::Mat& rgba, int factor, const std::string& method) {
  if (method == "bicubic") return enlarge(rgba, factor, cv::INTER_CUBIC);
  if (method == "lanczos") return enlarge(rgba, factor, cv::INTER_LANCZOS4);
  if (method == "sharp") return sharpened_along_edges(rgba, factor);
  return back_projected(rgba, factor);
}

cv::Size requested_size(cv::Size input, const Params& p) {
  if (!p.has("width") && !p.has("height")) {
    const int factor = p.has("factor") ? static_cast<int>(p.integer("factor")) : 2;
    return {input.width * factor, input.height * factor};
  }
  const double aspect = static_cast<double>(input.width) / input.height;
  const int width = p.has("width") ? static_cast<int>(p.integer("width"))
                                   : static_cast<int>(std::lround(static_cast<double>(p.integer("height")) * aspect));
  const int height = p.has("height") ? static_cast<int>(p.integer("height"))
                                     : static_cast<int>(std::lround(static_cast<double>(p.integer("width")) / aspect));
  return {width, height};
}

std::string chosen_method(const Params& p) {
  const std::string method = p.text("method");
  return method == "auto" ? "backprojection" : method;
}

OpOutput upscale(const Image& input, const Params& p, const RunContext&) {
  const cv::Mat source = input.to_rgba8().mat();
  const cv::Size size = requested_size(source.size(), p);
  check_output_size(size, "image.upscale");
  const double scale =
      std::max(static_cast<double>(size.width) / source.cols, static_cast<double>(size.height) / source.rows);
  if (scale <= 1) {
    throw Error(ErrorKind::plan, "image.upscale: the requested " + std::to_string(size.width) + "x" +
                                     std::to_string(size.height) + " is not larger than the image (" +
                                     std::to_string(source.cols) + "x" + std::to_string(source.rows) +
                                     "); use image.resize to shrink");
  }
  if (scale > 4) {
    throw Error(ErrorKind::plan, "image.upscale: the requested size is " + std::to_string(scale).substr(0, 4) +
                                     " times the image; at most 4 is allowed (upscale in steps, or use image.resize)");
  }
  // Integer factors run tiled; other sizes are made by the next integer factor, then shrunk to the size.
  const int factor = static_cast<int>(std::ceil(scale - 1e-9));
  check_output_size(source.size() * factor, "image.upscale");
  cv::Mat result = upscale_tiled(source, factor, chosen_method(p));
  if (result.size() != size) cv::resize(result, result, size, 0, 0, cv::INTER_AREA);
  return {Image(result), std::nullopt};
}

void check(const Params& p, const std::string& where) {
  if (p.has("factor") && (p.has("width") || p.has("height"))) {
    throw Error(ErrorKind::plan, where + ": give either 'factor' or 'width'/'height', not both");
  }
}

}  // namespace

cv::Mat upscale_tiled(const cv::Mat& rgba, int factor, const std::string& method, int tile) {
  cv::Mat result(rgba.rows * factor, rgba.cols * factor, rgba.type());
  const int columns = (rgba.cols + tile - 1) / tile, rows = (rgba.rows + tile - 1) / tile;
  const cv::Rect image(0, 0, rgba.cols, rgba.rows);
  cv::parallel_for_(cv::Range(0, columns * rows), [&](const cv::Range& tiles) {
    for (int index = tiles.start; index < tiles.end; ++index) {
      const cv::Rect core = cv::Rect((index % columns) * tile, (index / columns) * tile, tile, tile) & image;
      const cv::Rect padded = cv::Rect(core.x - kUpscaleTileOverlap, core.y - kUpscaleTileOverlap,
                                       core.width + 2 * kUpscaleTileOverlap, core.height + 2 * kUpscaleTileOverlap) &
                              image;
      const cv::Mat enlarged = upscale_whole(rgba(padded), factor, method);
      const cv::Rect inside((core.x - padded.x) * factor, (core.y - padded.y) * factor, core.width * factor,
                            core.height * factor);
      enlarged(inside).copyTo(
          result(cv::Rect(core.x * factor, core.y * factor, core.width * factor, core.height * factor)));
    }
  });
  return result;
}

void register_image_upscale(Registry& registry) {
  OperationSpec spec;
  spec.name = "image.upscale";
  spec.description = "Enlarge ×2–×4 or to a size with classical super-resolution (tiled)";
  spec.params = {
      make_param("factor", ParamType::integer, "Enlargement factor (default 2 when no size is given)", nullptr, 2, 4),
      pixel_size_param("width", "Output width (the other side keeps the aspect ratio)"),
      pixel_size_param("height", "Output height"),
      make_choice("method",
                  "backprojection (sharpest and most faithful, the default), sharp (Lanczos + edge sharpening), "
                  "lanczos, bicubic",
                  {"auto", "backprojection", "sharp", "lanczos", "bicubic"}, "auto"),
  };
  spec.regions = {RegionKind::all};
  spec.changes_canvas = true;
  spec.run = upscale;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
