// region.recolor: give a region another colour while keeping its shading and texture. Works in CIELAB:
// lightness is kept (or, for neutral targets, remapped by a gamma curve, which keeps its structure), the
// hue becomes the target's, and chroma is rescaled so the region's average chroma becomes the target's
// while each pixel keeps its chroma relative to that average (highlights stay pale, folds stay deep).
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/lab_image.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

// Added to both sides of the chroma ratio so a nearly grey region (a white shirt) is coloured evenly
// instead of having its sensor noise amplified.
constexpr double kChromaFloor = 10;

// Below this CIELAB chroma a target counts as neutral (white, grey, black): only lightness can move it.
constexpr double kNeutralChroma = 15;

cv::Vec3f lab_of(const cv::Scalar& rgba) {
  cv::Mat pixel(1, 1, CV_32FC3, cv::Scalar(rgba[0] / 255, rgba[1] / 255, rgba[2] / 255));
  cv::cvtColor(pixel, pixel, cv::COLOR_RGB2Lab);
  return pixel.at<cv::Vec3f>(0, 0);
}

OpOutput recolor(const Image& input, const Params& p, const cv::Mat& weight, const RunContext&) {
  cv::Mat lab = to_lab(input);
  std::vector<cv::Mat> planes;
  cv::split(lab, planes);
  cv::Mat chroma;
  cv::magnitude(planes[1], planes[2], chroma);
  const WeightedStats lightness = weighted_stats(planes[0], weight);
  if (lightness.total_weight < 1)
    throw Error(ErrorKind::plan, "region.recolor: the target region is empty, so there is nothing to recolour");
  const double mean_chroma = weighted_stats(chroma, weight).mean[0];

  const cv::Vec3f target = lab_of(p.color("color"));
  const double target_chroma = std::hypot(target[1], target[2]);
  const double hue_cos = target_chroma > 0 ? target[1] / target_chroma : 1;
  const double hue_sin = target_chroma > 0 ? target[2] / target_chroma : 0;
  const double lightness_amount =
      p.has("lightness") ? p.number("lightness") : (target_chroma < kNeutralChroma ? 1.0 : 0.0);
  const double strength = p.number("strength");

  // Lightness: L/100 ↦ (L/100)^γ maps the region's mean onto the goal and keeps the order and relative
  // contrast of every detail; γ = 1 (lightness kept) unless asked.
  const double mean_l = std::clamp(lightness.mean[0], 1.0, 99.0);
  const double goal_l = std::clamp(mean_l + lightness_amount * (target[0] - mean_l), 1.0, 99.0);
  const double gamma = std::log(goal_l / 100) / std::log(mean_l / 100);
  const double chroma_scale = (target_chroma + kChromaFloor) / (mean_chroma + kChromaFloor);

  cv::parallel_for_(cv::Range(0, lab.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      auto* pixel = lab.ptr<cv::Vec3f>(y);
      const auto* c = chroma.ptr<float>(y);
      for (int x = 0; x < lab.cols; ++x) {
        const double l = gamma == 1 ? pixel[x][0] : 100 * std::pow(std::max(0.0f, pixel[x][0]) / 100.0, gamma);
        const double new_chroma = target_chroma < 1e-3 ? 0 : (c[x] + kChromaFloor) * chroma_scale - kChromaFloor;
        const double a = std::max(0.0, new_chroma) * hue_cos;
        const double b = std::max(0.0, new_chroma) * hue_sin;
        pixel[x] = cv::Vec3f(static_cast<float>(pixel[x][0] + strength * (l - pixel[x][0])),
                             static_cast<float>(pixel[x][1] + strength * (a - pixel[x][1])),
                             static_cast<float>(pixel[x][2] + strength * (b - pixel[x][2])));
      }
    }
  });
  return {from_lab(lab, input), std::nullopt};
}

}  // namespace

void register_region_recolor(Registry& registry) {
  OperationSpec spec;
  spec.name = "region.recolor";
  spec.description = "Change a region's colour keeping its shading and texture";
  ParamSpec color = make_param("color", ParamType::color, "The new colour (name or hex)");
  color.required = true;
  spec.params = {
      color,
      make_param("lightness", ParamType::number,
                 "How far to move the region's mean lightness to the colour's (0 keeps the shading's lightness; "
                 "default 0 for colourful targets, 1 for white/grey/black)",
                 nullptr, 0, 1),
      make_param("strength", ParamType::number, "How much of the change to apply", 1.0, 0, 1),
  };
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,  RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::text, RegionKind::object};
  spec.run_in_region = recolor;
  registry.add(std::move(spec));
}

}  // namespace easel
