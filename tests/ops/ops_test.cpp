// Each deterministic op on real photographs: it changes what it should, by the documented amount.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/registry.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

Image run(const std::string& op, const json& params, const Image& input) {
  const auto& spec = registry().get(op);
  return spec.run(input, Params(validate_params(spec, params, "test")), test::run_context()).image;
}

cv::Scalar mean_rgb(const Image& image) { return cv::mean(image.mat()); }

double luma_stddev(const Image& image) {
  cv::Mat grey;
  cv::cvtColor(image.mat(), grey, cv::COLOR_RGBA2GRAY);
  cv::Scalar mean, stddev;
  cv::meanStdDev(grey, mean, stddev);
  return stddev[0];
}

TEST(ColorAdjust, WarmthRaisesTheRedToBlueRatio) {
  const Image coffee = test::load_photo("coffee.png");
  const auto before = mean_rgb(coffee), after = mean_rgb(run("color.adjust", {{"warmth", 0.5}}, coffee));
  EXPECT_GT(after[0] / after[2], 1.15 * before[0] / before[2]);
  const auto cooler = mean_rgb(run("color.adjust", {{"warmth", -0.5}}, coffee));
  EXPECT_LT(cooler[0] / cooler[2], before[0] / before[2] / 1.15);
}

TEST(ColorAdjust, ContrastSpreadsTonesAndNegativeContrastFlattensThem) {
  const Image astronaut = test::load_photo("astronaut.png");
  EXPECT_GT(luma_stddev(run("color.adjust", {{"contrast", 0.5}}, astronaut)), 1.15 * luma_stddev(astronaut));
  EXPECT_LT(luma_stddev(run("color.adjust", {{"contrast", -1}}, astronaut)), 1.0);
}

TEST(ColorAdjust, BrightnessAndExposureRaiseTheMean) {
  const Image chelsea = test::load_photo("chelsea.png");
  const double base = mean_rgb(chelsea)[1];
  EXPECT_GT(mean_rgb(run("color.adjust", {{"brightness", 0.2}}, chelsea))[1], base + 20);
  EXPECT_GT(mean_rgb(run("color.adjust", {{"exposure", 1}}, chelsea))[1], base * 1.25);
  EXPECT_LT(mean_rgb(run("color.adjust", {{"exposure", -1}}, chelsea))[1], base * 0.8);
}

TEST(ColorAdjust, FullDesaturationGivesGreyPixels) {
  const Image result = run("color.adjust", {{"saturation", -1}}, test::load_photo("coffee.png"));
  std::vector<cv::Mat> channels;
  cv::split(result.mat(), channels);
  double max_spread = 0;
  cv::minMaxLoc(cv::abs(channels[0] - channels[2]) + cv::abs(channels[1] - channels[2]), nullptr, &max_spread);
  EXPECT_LE(max_spread, 2);
}

TEST(ColorAdjust, HueRotationMovesHuesAndKeepsLightness) {
  const Image coffee = test::load_photo("coffee.png");
  const Image rotated = run("color.adjust", {{"hue", 120}}, coffee);
  cv::Mat hsv_before, hsv_after;
  cv::cvtColor(coffee.mat(), hsv_before, cv::COLOR_RGBA2RGB);
  cv::cvtColor(hsv_before, hsv_before, cv::COLOR_RGB2HSV);
  cv::cvtColor(rotated.mat(), hsv_after, cv::COLOR_RGBA2RGB);
  cv::cvtColor(hsv_after, hsv_after, cv::COLOR_RGB2HSV);
  EXPECT_GT(std::abs(cv::mean(hsv_after)[0] - cv::mean(hsv_before)[0]), 15);
  // Rec. 709 luma, the weights the rotation keeps (up to clipping of saturated colours).
  const auto luma = [](const Image& image) {
    const cv::Scalar mean = cv::mean(image.mat());
    return 0.2126 * mean[0] + 0.7152 * mean[1] + 0.0722 * mean[2];
  };
  EXPECT_NEAR(luma(rotated), luma(coffee), 0.1 * luma(coffee));
}

TEST(ColorAdjust, SharpenRaisesEdgeEnergy) {
  const Image camera = test::load_photo("astronaut.png");
  const auto edge_energy = [](const Image& image) {
    cv::Mat grey, laplacian;
    cv::cvtColor(image.mat(), grey, cv::COLOR_RGBA2GRAY);
    cv::Laplacian(grey, laplacian, CV_32F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(laplacian, mean, stddev);
    return stddev[0];
  };
  EXPECT_GT(edge_energy(run("color.adjust", {{"sharpen", 1.5}}, camera)), 1.4 * edge_energy(camera));
}

TEST(ColorAdjust, NeutralParametersReturnTheInputUnchanged) {
  const Image coffee = test::load_photo("coffee.png");
  EXPECT_TRUE(bit_identical(run("color.adjust", json::object(), coffee), coffee));
}

TEST(ImageCrop, AspectCropIsExactAndCopiesPixels) {
  const Image astronaut = test::load_photo("astronaut.png");  // 512×512
  for (const char* aspect : {"16:9", "4:5", "3:2", "1:1", "21:9"}) {
    const Image cropped = run("image.crop", {{"aspect", aspect}}, astronaut);
    const AspectRatio ratio = *parse_aspect_ratio(json(aspect));
    EXPECT_EQ(static_cast<long>(cropped.width()) * ratio.height, static_cast<long>(cropped.height()) * ratio.width)
        << aspect;
    // The largest such crop: one more multiple of the ratio would not fit.
    EXPECT_TRUE(cropped.width() + ratio.width > astronaut.width() ||
                cropped.height() + ratio.height > astronaut.height())
        << aspect;
  }
  const Image top = run("image.crop", {{"aspect", "16:9"}, {"anchor", "top"}}, astronaut);
  EXPECT_TRUE(bit_identical(top, Image(astronaut.mat()(cv::Rect(0, 0, top.width(), top.height())).clone())));
  const Image bottom = run("image.crop", {{"aspect", "16:9"}, {"anchor", "bottom"}}, astronaut);
  EXPECT_TRUE(bit_identical(
      bottom, Image(astronaut.mat()(cv::Rect(0, 512 - bottom.height(), bottom.width(), bottom.height())).clone())));
}

TEST(ImageCrop, BoxCropKeepsThatRectangle) {
  const Image coffee = test::load_photo("coffee.png");  // 600×400
  const Image cropped = run("image.crop", {{"box", {0.25, 0.5, 0.5, 0.5}}}, coffee);
  ASSERT_EQ(cropped.width(), 300);
  ASSERT_EQ(cropped.height(), 200);
  EXPECT_TRUE(bit_identical(cropped, Image(coffee.mat()(cv::Rect(150, 200, 300, 200)).clone())));
}

TEST(ImageResize, OneSideKeepsTheAspectRatio) {
  const Image coffee = test::load_photo("coffee.png");
  const Image wide = run("image.resize", {{"width", 300}}, coffee);
  EXPECT_EQ(wide.width(), 300);
  EXPECT_EQ(wide.height(), 200);
  const Image doubled = run("image.resize", {{"scale", 2}, {"method", "lanczos"}}, coffee);
  EXPECT_EQ(doubled.width(), 1200);
  EXPECT_EQ(doubled.height(), 800);
  // Area averaging keeps the mean colour of the photo.
  EXPECT_NEAR(mean_rgb(wide)[0], mean_rgb(coffee)[0], 1.0);
}

TEST(CanvasExpand, ReachesTheExactAspectAndKeepsEveryOriginalPixel) {
  const Image coffee = test::load_photo("coffee.png");  // 600×400 = 3:2
  const auto& spec = registry().get("canvas.expand");
  const OpOutput output =
      spec.run(coffee, Params(validate_params(spec, {{"aspect", "16:9"}}, "test")), test::run_context());
  EXPECT_EQ(output.image.width() * 9, output.image.height() * 16);
  ASSERT_TRUE(output.mapping.has_value());
  EXPECT_TRUE(bit_identical(Image(output.image.mat()(output.mapping->copied).clone()), coffee));
  // The new side areas are filled with image-like content, not black.
  const cv::Mat left_band = output.image.mat()(cv::Rect(0, 0, output.mapping->copied.x, output.image.height()));
  EXPECT_GT(cv::mean(left_band)[0], 20);
}

TEST(CanvasExpand, ColourFillUsesThatColour) {
  const Image coffee = test::load_photo("coffee.png");
  const Image result =
      run("canvas.expand", {{"width", 800}, {"height", 400}, {"fill", "color"}, {"color", "navy"}, {"anchor", "left"}},
          coffee);
  EXPECT_EQ(result.mat().at<cv::Vec4b>(200, 799), cv::Vec4b(0, 0, 128, 255));
  EXPECT_TRUE(bit_identical(Image(result.mat()(cv::Rect(0, 0, 600, 400)).clone()), coffee));
}

TEST(Parameters, OutOfRangeUnknownAndMistypedValuesAreSpecificErrors) {
  const auto& adjust = registry().get("color.adjust");
  const auto message_of = [&](const json& given) {
    try {
      validate_params(adjust, given, "step 1 (color.adjust)");
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::plan);
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message_of({{"contrast", 3}}), "step 1 (color.adjust): parameter 'contrast' = 3 is out of range [-1, 1]");
  EXPECT_NE(message_of({{"contrst", 0.2}}).find("unknown parameter 'contrst'"), std::string::npos);
  EXPECT_NE(message_of({{"hue", "blue"}}).find("must be a number"), std::string::npos);
  EXPECT_THROW(registry().get("color.adjustt"), Error);
  const auto& crop = registry().get("image.crop");
  EXPECT_THROW(validate_params(crop, json::object(), "step 1"), Error);
  EXPECT_THROW(validate_params(crop, {{"aspect", "16:0"}}, "step 1"), Error);
  EXPECT_THROW(validate_params(crop, {{"aspect", "16:9"}, {"box", {0, 0, 1, 1}}}, "step 1"), Error);
}

TEST(Parameters, DefaultsAreFilledIn) {
  const json resolved = validate_params(registry().get("color.adjust"), {{"warmth", 0.2}}, "test");
  EXPECT_EQ(resolved["gamma"], 1.0);
  EXPECT_EQ(resolved["warmth"], 0.2);
  EXPECT_EQ(resolved.size(), registry().get("color.adjust").params.size());
}

}  // namespace
}  // namespace easel
