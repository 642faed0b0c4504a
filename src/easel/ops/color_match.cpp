// color.match: give the image (or a region) the colour mood of a reference photo by matching the mean
// and spread of each CIELAB channel (Reinhard et al., "Color Transfer between Images", 2001). The
// statistics are taken over the target region only, so matching a region leaves its surroundings' colours
// out of the estimate.
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/ops/lab_image.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

// A channel with less spread than this (a flat grey region) is shifted, not stretched: dividing by a
// near-zero deviation would blow its noise up.
constexpr double kMinStddev = 1;

WeightedStats opaque_stats(const Image& image) {
  cv::Mat alpha;
  cv::extractChannel(image.to_rgba8().mat(), alpha, 3);
  cv::Mat weight;
  alpha.convertTo(weight, CV_32F, 1.0 / 255);
  return weighted_stats(to_lab(image), weight);
}

OpOutput match_colors(const Image& input, const Params& p, const cv::Mat& weight, const RunContext&) {
  const Image reference = read_image_file(p.text("reference"), DecodeLimits{}).image;
  const WeightedStats wanted = opaque_stats(reference);
  if (wanted.total_weight < 1) {
    throw Error(ErrorKind::input, "color.match: the reference image " + p.text("reference") + " is fully transparent");
  }
  cv::Mat lab = to_lab(input);
  const WeightedStats current = weighted_stats(lab, weight);
  if (current.total_weight < 1) throw Error(ErrorKind::plan, "color.match: the target region is empty");
  const double strength = p.number("strength");
  cv::Vec3f gain, offset;
  for (int c = 0; c < 3; ++c) {
    // x ↦ g·x + (μ_ref − g·μ) at full strength, interpolated linearly towards x ↦ x.
    const double g = current.stddev[c] < kMinStddev ? 1.0 : wanted.stddev[c] / current.stddev[c];
    gain[c] = static_cast<float>(1 + strength * (g - 1));
    offset[c] = static_cast<float>(strength * (wanted.mean[c] - g * current.mean[c]));
  }
  lab.forEach<cv::Vec3f>([&](cv::Vec3f& pixel, const int*) {
    for (int c = 0; c < 3; ++c) pixel[c] = pixel[c] * gain[c] + offset[c];
  });
  return {from_lab(lab, input), std::nullopt};
}

void check(const Params& p, const std::string& where) {
  const std::string path = p.text("reference");
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorKind::plan, where + ": reference image '" + path + "' is not a readable file");
  }
}

}  // namespace

void register_color_match(Registry& registry) {
  OperationSpec spec;
  spec.name = "color.match";
  spec.description = "Match the colours of the image or a region to a reference photo (CIELAB mean and spread)";
  ParamSpec reference =
      make_param("reference", ParamType::image_file, "Path of the reference image (PNG, JPEG or WebP)");
  reference.required = true;
  spec.params = {reference, make_param("strength", ParamType::number, "How much of the change to apply", 1.0, 0, 1)};
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,  RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::text, RegionKind::object};
  spec.run_in_region = match_colors;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
