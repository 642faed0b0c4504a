// style.apply on real photos: each style does what its name says, strength mixes, regions confine.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

Image styled(const Image& photo, const json& params, const json& target = json::object()) {
  return test::render_one(photo, "style.apply", target, params);
}

double mean_abs_difference(const Image& a, const Image& b) {
  cv::Mat difference;
  cv::absdiff(a.mat(), b.mat(), difference);
  const cv::Scalar mean = cv::mean(difference);
  return (mean[0] + mean[1] + mean[2]) / 3;
}

// Median magnitude of the grey image's Laplacian: the fine texture (fur, grain) of most of the image. A
// median, so the few strong outlines some styles draw do not count.
double detail(const Image& image) {
  cv::Mat grey, laplacian;
  cv::cvtColor(image.mat(), grey, cv::COLOR_RGBA2GRAY);
  cv::Laplacian(grey, laplacian, CV_32F);
  laplacian = cv::abs(laplacian);
  std::vector<float> values(laplacian.begin<float>(), laplacian.end<float>());
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
  return values[values.size() / 2];
}

double mean_saturation(const Image& image) {
  cv::Mat rgb, hsv;
  cv::cvtColor(image.mat(), rgb, cv::COLOR_RGBA2RGB);
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  return cv::mean(hsv)[1];
}

int distinct_colours(const Image& image) {
  std::vector<int> seen(1 << 24, 0);
  int count = 0;
  for (int y = 0; y < image.height(); ++y) {
    for (int x = 0; x < image.width(); ++x) {
      const cv::Vec4b p = image.mat().at<cv::Vec4b>(y, x);
      int& slot = seen[static_cast<std::size_t>((p[0] << 16) | (p[1] << 8) | p[2])];
      count += slot == 0 ? 1 : 0;
      slot = 1;
    }
  }
  return count;
}

TEST(StyleApply, EveryStyleVisiblyChangesTheImage) {
  const Image astronaut = test::load_photo("astronaut.png");
  for (const char* style : {"stylize", "pencil", "pencil-color", "oil", "cartoon", "watercolor", "sepia", "duotone",
                            "vignette", "detail"}) {
    const double change = mean_abs_difference(astronaut, styled(astronaut, {{"style", style}}));
    std::printf("style.apply %-12s mean |change| %.1f\n", style, change);
    EXPECT_GT(change, 4) << style;
  }
}

TEST(StyleApply, StylesLookLikeTheirNames) {
  const Image chelsea = test::load_photo("chelsea.png");
  EXPECT_LT(mean_saturation(styled(chelsea, {{"style", "pencil"}})), 0.5);  // grey pencil: no colour at all
  EXPECT_GT(mean_saturation(styled(chelsea, {{"style", "pencil-color"}})), 10);
  // Painterly styles flatten fine texture (the suit's fabric, the backdrop's mottling); detail boosts it.
  const Image astronaut = test::load_photo("astronaut.png");
  for (const char* style : {"oil", "watercolor", "stylize", "cartoon", "detail"}) {
    std::printf("style.apply %-10s median |Laplacian| %.1f (photo %.1f)\n", style,
                detail(styled(astronaut, {{"style", style}})), detail(astronaut));
  }
  EXPECT_LT(detail(styled(astronaut, {{"style", "oil"}})), detail(astronaut) / 2);
  EXPECT_LT(detail(styled(astronaut, {{"style", "watercolor"}})), detail(astronaut) / 2);
  EXPECT_LT(detail(styled(astronaut, {{"style", "stylize"}})), detail(astronaut) * 0.75);
  EXPECT_GT(detail(styled(astronaut, {{"style", "detail"}})), detail(astronaut) * 1.5);
  // Pencil is dark lines on white paper: mostly light.
  EXPECT_GT(cv::mean(styled(chelsea, {{"style", "pencil"}}).mat())[0], 200);
  EXPECT_LT(distinct_colours(styled(chelsea, {{"style", "cartoon"}})), distinct_colours(chelsea) / 20);

  // Sepia: every pixel warm (red ≥ green ≥ blue).
  const cv::Mat sepia = styled(chelsea, {{"style", "sepia"}}).mat();
  int cold = 0;
  sepia.forEach<cv::Vec4b>([&](const cv::Vec4b& p, const int*) { cold += (p[0] < p[1] || p[1] < p[2]) ? 1 : 0; });
  EXPECT_EQ(cold, 0);

  // Duotone: every pixel lies between the two colours.
  const cv::Mat duo = styled(chelsea, {{"style", "duotone"}, {"dark", "#000080"}, {"light", "#ffff00"}}).mat();
  int off_line = 0;
  duo.forEach<cv::Vec4b>([&](const cv::Vec4b& p, const int*) {
    off_line += (std::abs(p[0] - p[1]) > 1 || std::abs(p[2] - 128 * (255 - p[0]) / 255) > 2) ? 1 : 0;
  });
  EXPECT_EQ(off_line, 0);

  // Vignette: corners much darker, the centre as it was.
  const Image vignetted = styled(chelsea, {{"style", "vignette"}});
  EXPECT_EQ(vignetted.mat().at<cv::Vec4b>(chelsea.height() / 2, chelsea.width() / 2),
            chelsea.mat().at<cv::Vec4b>(chelsea.height() / 2, chelsea.width() / 2));
  const cv::Rect corner(0, 0, 20, 20);
  EXPECT_LT(cv::mean(vignetted.mat()(corner))[1], 0.35 * cv::mean(chelsea.mat()(corner))[1]);
}

TEST(StyleApply, StrengthMixesAndRegionsConfine) {
  const Image coffee = test::load_photo("coffee.png");
  const Image full = styled(coffee, {{"style", "sepia"}});
  const Image half = styled(coffee, {{"style", "sepia"}, {"strength", 0.5}});
  EXPECT_NEAR(mean_abs_difference(coffee, half), mean_abs_difference(coffee, full) / 2, 1);
  EXPECT_TRUE(bit_identical(styled(coffee, {{"style", "oil"}, {"strength", 0}}), coffee));

  const Image left = styled(coffee, {{"style", "cartoon"}}, {{"region", "left"}});
  cv::Mat right_half = cv::Mat::zeros(coffee.height(), coffee.width(), CV_8U);
  right_half(cv::Rect(coffee.width() / 2, 0, coffee.width() - coffee.width() / 2, coffee.height())).setTo(255);
  EXPECT_EQ(test::changed_pixels(coffee.mat(), left.mat(), right_half), 0);
  EXPECT_GT(test::changed_pixels(coffee.mat(), left.mat()), coffee.width() * coffee.height() / 3);
}

TEST(StyleApply, BadParametersAreSpecific) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_NE(test::error_of(coffee, "style.apply", json::object(), {{"style", "van-gogh"}}).find("style"),
            std::string::npos);
  EXPECT_NE(test::error_of(coffee, "style.apply", json::object(), {{"strength", 1.5}}).find("strength"),
            std::string::npos);
  EXPECT_NE(
      test::error_of(coffee, "style.apply", json::object(), {{"style", "duotone"}, {"dark", "nope"}}).find("dark"),
      std::string::npos);
}

}  // namespace
}  // namespace easel
