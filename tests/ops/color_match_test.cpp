// color.match: the image takes on the colour statistics of a reference photo.
#include <gtest/gtest.h>

#include <fstream>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/image/codec.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

void lab_stats(const Image& image, cv::Scalar& mean, cv::Scalar& stddev, const cv::Mat& where = cv::Mat()) {
  cv::Mat rgb, lab;
  cv::cvtColor(image.mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  cv::meanStdDev(lab, mean, stddev, where);
}

TEST(ColorMatch, TakesOnTheReferencesColourStatistics) {
  const Image chelsea = test::load_photo("chelsea.png");
  const Image coffee = test::load_photo("coffee.png");
  const Image matched =
      test::render_one(chelsea, "color.match", json::object(), {{"reference", test::photo("coffee.png").string()}});
  cv::Scalar want_mean, want_std, got_mean, got_std, was_mean, was_std;
  lab_stats(coffee, want_mean, want_std);
  lab_stats(matched, got_mean, got_std);
  lab_stats(chelsea, was_mean, was_std);
  for (int c = 0; c < 3; ++c) {
    std::printf("color.match channel %d: source mean %.1f sd %.1f → result %.1f sd %.1f (reference %.1f sd %.1f)\n", c,
                was_mean[c], was_std[c], got_mean[c], got_std[c], want_mean[c], want_std[c]);
    // Within a fifth of the way it had to travel (+2): results outside sRGB lose some chroma to fit.
    EXPECT_NEAR(got_mean[c], want_mean[c], 0.2 * std::abs(want_mean[c] - was_mean[c]) + 2) << c;
    EXPECT_NEAR(got_std[c], want_std[c], 0.15 * want_std[c] + 1) << c;
  }
  // Half strength lands about half way.
  const Image half = test::render_one(chelsea, "color.match", json::object(),
                                      {{"reference", test::photo("coffee.png").string()}, {"strength", 0.5}});
  cv::Scalar half_mean, half_std;
  lab_stats(half, half_mean, half_std);
  EXPECT_NEAR(half_mean[1], (was_mean[1] + want_mean[1]) / 2, 4);
}

TEST(ColorMatch, ARegionIsMatchedOnItsOwnStatisticsAndAlone) {
  const Image astronaut = test::load_photo("astronaut.png");
  const Image matched = test::render_one(astronaut, "color.match", {{"region", "right"}, {"feather", 0}},
                                         {{"reference", test::photo("coffee.png").string()}});
  cv::Mat right = cv::Mat::zeros(astronaut.height(), astronaut.width(), CV_8U);
  right(cv::Rect(astronaut.width() / 2, 0, astronaut.width() / 2, astronaut.height())).setTo(255);
  EXPECT_EQ(test::changed_pixels(astronaut.mat(), matched.mat(), right == 0), 0);
  cv::Scalar want_mean, want_std, got_mean, got_std;
  lab_stats(test::load_photo("coffee.png"), want_mean, want_std);
  lab_stats(matched, got_mean, got_std, right);
  EXPECT_NEAR(got_mean[1], want_mean[1], 4);
  EXPECT_NEAR(got_mean[2], want_mean[2], 4);
}

TEST(ColorMatch, BadReferencesAreSpecificErrors) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_NE(
      test::error_of(coffee, "color.match", json::object(), json::object()).find("parameter 'reference' is required"),
      std::string::npos);
  EXPECT_NE(test::error_of(coffee, "color.match", json::object(), {{"reference", "/nonexistent/ref.png"}})
                .find("'/nonexistent/ref.png' is not a readable file"),
            std::string::npos);
  const auto fake = test::temp_dir() / "not-an-image.png";
  std::ofstream(fake) << "this is text, not a PNG";
  const std::string message = test::error_of(coffee, "color.match", json::object(), {{"reference", fake.string()}});
  EXPECT_NE(message.find("not-an-image.png"), std::string::npos) << message;
}

}  // namespace
}  // namespace easel
