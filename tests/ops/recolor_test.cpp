// region.recolor on real photos: the colour changes, the shading and texture (CIELAB lightness) do not,
// and nothing outside the region changes.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/ops/color.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

struct Recolored {
  Image result;
  cv::Mat weight;
};

Recolored recolor(const Image& photo, const json& target, const json& params) {
  const json valid = validate_target(target, registry().get("region.recolor"), "test");
  return {test::render_one(photo, "region.recolor", target, params),
          resolve_region(valid, photo, "test", test::run_context())};
}

double lightness_ssim_inside(const Image& before, const Image& after, const cv::Mat& weight) {
  const cv::Mat map = test::ssim_map(test::lightness(before), test::lightness(after), 100);
  return cv::mean(map, weight >= 1.0f)[0];
}

double hue_distance(double a, double b) {
  const double d = std::abs(a - b);
  return std::min(d, 360 - d);
}

struct Case {
  const char* photo;
  json target;
  const char* color;
};

TEST(RegionRecolor, KeepsLightnessStructureOnRealPhotos) {
  const std::vector<Case> cases = {
      {"motorcycle_left.png", {{"color", "red"}}, "royalblue"},
      {"motorcycle_left.png", {{"color", "red"}}, "green"},
      {"coffee.png", {{"object", {{"where", "center"}, {"color", "red"}}}}, "teal"},
      {"chelsea.png", {{"box", {0.3, 0.2, 0.4, 0.6}}}, "purple"},
      {"astronaut.png", {{"region", "bottom-right"}}, "orange"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.photo) + " " + c.target.dump() + " → " + c.color);
    const Image photo = test::load_photo(c.photo);
    const auto [result, weight] = recolor(photo, c.target, {{"color", c.color}});
    const double ssim = lightness_ssim_inside(photo, result, weight);
    RecordProperty(std::string(c.photo) + "_" + c.color + "_L_ssim", std::to_string(ssim));
    std::printf("recolour %-22s → %-9s L-channel SSIM inside = %.4f\n", c.photo, c.color, ssim);
    EXPECT_GE(ssim, 0.95);
    EXPECT_EQ(test::changed_pixels(photo.mat(), result.mat(), weight <= 0.0f), 0);
    // The region now has the target's hue.
    const cv::Mat inside = weight >= 1.0f;
    const Image swatch(cv::Mat(1, 1, CV_8UC4, *parse_color(c.color)));
    const double wanted_hue = test::mean_hue_chroma(swatch, cv::Mat())[0];
    EXPECT_LT(hue_distance(test::mean_hue_chroma(result, inside)[0], wanted_hue), 12);
  }
}

TEST(RegionRecolor, NeutralTargetsMoveLightnessAndDropChroma) {
  const Image bike = test::load_photo("motorcycle_left.png");
  const auto [white, weight] = recolor(bike, {{"color", "red"}}, {{"color", "white"}});
  const cv::Mat inside = weight >= 1.0f;
  EXPECT_GT(cv::mean(test::lightness(white), inside)[0], cv::mean(test::lightness(bike), inside)[0] + 30);
  EXPECT_LT(test::mean_hue_chroma(white, inside)[1], 5);
  // Keeping lightness explicitly gives a grey of the same lightness instead.
  const auto kept = recolor(bike, {{"color", "red"}}, {{"color", "white"}, {"lightness", 0}}).result;
  EXPECT_NEAR(cv::mean(test::lightness(kept), inside)[0], cv::mean(test::lightness(bike), inside)[0], 1.5);
}

TEST(RegionRecolor, StrengthZeroChangesNothing) {
  const Image coffee = test::load_photo("coffee.png");
  const Image result =
      test::render_one(coffee, "region.recolor", {{"region", "left"}}, {{"color", "blue"}, {"strength", 0}});
  // Rounding through CIELAB may move a value by one step, never more.
  cv::Mat difference;
  cv::absdiff(coffee.mat(), result.mat(), difference);
  double largest = 0;
  cv::minMaxLoc(difference.reshape(1), nullptr, &largest);
  EXPECT_LE(largest, 1);
}

TEST(RegionRecolor, BadParametersAreSpecific) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_NE(test::error_of(coffee, "region.recolor", {{"region", "left"}}, json::object())
                .find("parameter 'color' is required"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "region.recolor", {{"region", "left"}}, {{"color", "blurple"}}).find("color"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "region.recolor", {{"region", "left"}}, {{"color", "blue"}, {"lightness", 2}})
                .find("lightness"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "region.recolor", {{"color", "#00ff00"}, {"tolerance", 5}}, {{"color", "blue"}})
                .find("target region is empty"),
            std::string::npos);
}

}  // namespace
}  // namespace easel
