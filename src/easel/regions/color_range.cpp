#include "easel/regions/color_range.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "easel/ops/color.hpp"
#include "easel/ops/lab_image.hpp"

namespace easel {
namespace {

// Below this HSV saturation a colour counts as neutral.
constexpr float kNeutralSaturation = 0.15f;

struct HueFamily {
  const char* name;
  float from;  // HSV hue, degrees; `from` may be negative (red wraps around 0)
  float to;
};

// Hue spans of basic colour words in HSV degrees. Red stops at 10°, where orange-browns (wood, skin,
// rust) begin; blue starts at 195° so a blue sky is "blue".
constexpr std::array<HueFamily, 9> kHueFamilies{{
    {"red", -20, 10},
    {"orange", 10, 40},
    {"yellow", 40, 70},
    {"green", 70, 165},
    {"cyan", 165, 195},
    {"blue", 195, 255},
    {"purple", 255, 290},
    {"violet", 255, 290},
    {"magenta", 290, 340},
}};

float ramp(float value, float full, float zero) { return std::clamp((zero - value) / (zero - full), 0.0f, 1.0f); }

std::optional<HueFamily> family_of(const std::string& color) {
  std::string name;
  for (char c : color) {
    if (!std::isspace(static_cast<unsigned char>(c)))
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  for (const auto& family : kHueFamilies) {
    if (name == family.name) return family;
  }
  return std::nullopt;
}

// Distance in degrees from `hue` to the span [from, to] on the hue circle (0 inside).
float distance_to_span(float hue, float from, float to) {
  const float centre = (from + to) / 2, half = (to - from) / 2;
  float d = std::fmod(std::abs(hue - centre), 360.0f);
  if (d > 180) d = 360 - d;
  return std::max(0.0f, d - half);
}

cv::Mat by_distance(const Image& image, const cv::Scalar& rgba, float tolerance) {
  const cv::Mat lab = to_lab(image);
  cv::Mat reference(1, 1, CV_32FC3, cv::Scalar(rgba[0] / 255, rgba[1] / 255, rgba[2] / 255));
  cv::cvtColor(reference, reference, cv::COLOR_RGB2Lab);
  const cv::Vec3f target = reference.at<cv::Vec3f>(0, 0);
  cv::Mat weight(lab.size(), CV_32F);
  lab.forEach<cv::Vec3f>([&](const cv::Vec3f& p, const int* at) {
    const cv::Vec3f d = p - target;
    weight.at<float>(at[0], at[1]) = ramp(std::sqrt(d.dot(d)), tolerance, 1.5f * tolerance);
  });
  return weight;
}

}  // namespace

cv::Mat color_range_weight(const Image& image, const std::string& color, double tolerance) {
  const cv::Scalar rgba = *parse_color(color);
  cv::Mat target_pixel(1, 1, CV_32FC3, cv::Scalar(rgba[0] / 255, rgba[1] / 255, rgba[2] / 255));
  cv::cvtColor(target_pixel, target_pixel, cv::COLOR_RGB2HSV);
  const cv::Vec3f target = target_pixel.at<cv::Vec3f>(0, 0);
  const float tol = static_cast<float>(tolerance);
  const std::optional<HueFamily> family = family_of(color);
  if (!family && target[1] < kNeutralSaturation) return by_distance(image, rgba, tol);

  const float from = family ? family->from : target[0], to = family ? family->to : target[0];
  const float hue_full = family ? 0 : 0.4f * tol, hue_zero = family ? tol / 4 : 0.7f * tol;
  const float saturation_full = family ? 0.3f : std::max(0.2f, 0.5f * target[1]);
  cv::Mat rgb, hsv;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  cv::Mat weight(hsv.size(), CV_32F);
  hsv.forEach<cv::Vec3f>([&](const cv::Vec3f& p, const int* at) {
    const float hue = ramp(distance_to_span(p[0], from, to), hue_full, hue_zero);
    const float colourful = ramp(-p[1], -saturation_full, -0.66f * saturation_full) * ramp(-p[2], -0.12f, -0.06f);
    weight.at<float>(at[0], at[1]) = hue * colourful;
  });
  return weight;
}

}  // namespace easel
