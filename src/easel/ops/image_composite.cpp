// image.composite: paste a picture from a file into a box of the image, fitted to the box, blended with
// alpha compositing or Poisson blending (ops/seamless_blend.hpp).
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/seamless_blend.hpp"

namespace easel {
namespace {

// The pasted picture scaled to the box: contain (whole picture, centred), cover (fills the box, centred
// crop), stretch (exactly the box).
cv::Mat fitted(const cv::Mat& picture, cv::Size box, const std::string& fit) {
  if (fit == "stretch") {
    cv::Mat result;
    cv::resize(picture, result, box, 0, 0, cv::INTER_AREA);
    return result;
  }
  const double sx = static_cast<double>(box.width) / picture.cols, sy = static_cast<double>(box.height) / picture.rows;
  const double scale = fit == "cover" ? std::max(sx, sy) : std::min(sx, sy);
  const cv::Size scaled(
      std::clamp(static_cast<int>(std::lround(picture.cols * scale)), 1, fit == "cover" ? 1 << 30 : box.width),
      std::clamp(static_cast<int>(std::lround(picture.rows * scale)), 1, fit == "cover" ? 1 << 30 : box.height));
  cv::Mat result;
  cv::resize(picture, result, scaled, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LANCZOS4);
  if (fit == "cover") {
    const cv::Rect crop((scaled.width - box.width) / 2, (scaled.height - box.height) / 2, box.width, box.height);
    return result(crop & cv::Rect(0, 0, scaled.width, scaled.height)).clone();
  }
  return result;
}

OpOutput composite(const Image& input, const Params& p, const Placement& placement, const RunContext&) {
  const cv::Rect& area = placement.area;
  const cv::Mat picture = read_image_file(p.text("image"), DecodeLimits{}).image.to_rgba8().mat();
  const cv::Mat patch = fitted(picture, area.size(), p.text("fit"));
  const cv::Point origin = area.tl() + cv::Point((area.width - patch.cols) / 2, (area.height - patch.rows) / 2);
  const cv::Mat base = input.to_rgba8().mat();
  const cv::Mat result = p.text("blend") == "poisson" ? poisson_paste(base, patch, origin)
                                                      : alpha_paste(base, patch, origin, p.number("opacity"));
  OpOutput output{Image(result), std::nullopt};
  output.changed = cv::Rect(origin, patch.size());
  return output;
}

void check(const Params& p, const std::string& where) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(p.text("image"), error)) {
    throw Error(ErrorKind::plan, where + ": image '" + p.text("image") + "' is not a readable file");
  }
  if (p.text("blend") == "poisson" && p.number("opacity") < 1) {
    throw Error(
        ErrorKind::plan,
        where + ": 'opacity' applies to blend 'alpha' only; Poisson blending takes its colours from the surroundings");
  }
}

}  // namespace

void register_image_composite(Registry& registry) {
  OperationSpec spec;
  spec.name = "image.composite";
  spec.description = "Paste a picture from a file into the target box (alpha or seamless Poisson blending)";
  ParamSpec image =
      make_param("image", ParamType::image_file, "Path of the picture to paste (PNG, JPEG or WebP; its alpha is kept)");
  image.required = true;
  spec.params = {
      image,
      make_choice("fit", "How the picture fills the box: contain (all of it), cover (fills, cropped), stretch",
                  {"contain", "cover", "stretch"}, "contain"),
      make_choice("blend", "alpha: paste as is; poisson: keep its detail, take colour and light from the surroundings",
                  {"alpha", "poisson"}, "alpha"),
      make_param("opacity", ParamType::number, "Opacity of the pasted picture (alpha blending)", 1.0, 0, 1),
  };
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask, RegionKind::object};
  spec.place = composite;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
