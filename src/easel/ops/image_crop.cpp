// image.crop: cut to a box or to an exact aspect ratio.
#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/ops/geometry.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

cv::Rect crop_rect(cv::Size image, const Params& p) {
  if (p.has("box")) return p.box("box", image);
  // The largest rectangle whose sides are whole multiples of the reduced ratio, so the aspect is exact.
  const AspectRatio ratio = p.aspect("aspect");
  const int multiple = std::min(image.width / ratio.width, image.height / ratio.height);
  const cv::Size size(multiple * ratio.width, multiple * ratio.height);
  return cv::Rect(anchored_origin(image, size, p.text("anchor")), size);
}

OpOutput crop(const Image& input, const Params& p, const RunContext&) {
  const cv::Rect rect = crop_rect(input.mat().size(), p);
  if (rect.width < 1 || rect.height < 1) {
    const AspectRatio ratio = p.aspect("aspect");
    throw Error(ErrorKind::plan, "image.crop: a " + std::to_string(input.width()) + "x" +
                                     std::to_string(input.height()) + " image is too small for an exact " +
                                     std::to_string(ratio.width) + ":" + std::to_string(ratio.height) + " crop");
  }
  return {Image(input.mat()(rect).clone()), CanvasMapping{-rect.tl(), cv::Rect(cv::Point(0, 0), rect.size())}};
}

// The same size of window, moved as little as possible from where the parameters put it, so that it
// holds `keep`; none when `keep` is larger than the window.
std::optional<json> crop_around(const Image& input, const Params& p, const cv::Rect& keep) {
  const cv::Rect planned = crop_rect(input.mat().size(), p);
  if (keep.width > planned.width || keep.height > planned.height) return std::nullopt;
  const int x = std::clamp(planned.x, keep.br().x - planned.width, keep.x);
  const int y = std::clamp(planned.y, keep.br().y - planned.height, keep.y);
  json params = p.values();
  params.erase("aspect");
  const double width = input.width(), height = input.height();
  params["box"] = {x / width, y / height, planned.width / width, planned.height / height};
  return params;
}

void check(const Params& p, const std::string& where) {
  if (p.has("box") == p.has("aspect")) {
    throw Error(ErrorKind::plan,
                where + ": give exactly one of 'aspect' (e.g. \"16:9\") or 'box' ([x, y, w, h] fractions)");
  }
}

}  // namespace

void register_image_crop(Registry& registry) {
  OperationSpec spec;
  spec.name = "image.crop";
  spec.description = "Crop to a box or to an exact aspect ratio (the largest such rectangle, placed at the anchor)";
  spec.params = {make_param("aspect", ParamType::aspect, "Target aspect ratio, e.g. 16:9"),
                 make_param("box", ParamType::box, "Rectangle to keep, [x, y, w, h] as fractions of the image"),
                 anchor_param("Which part of the image an aspect crop keeps")};
  spec.regions = {RegionKind::all};
  spec.changes_canvas = true;
  spec.run = crop;
  spec.fit_around = crop_around;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
