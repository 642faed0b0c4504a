// Colour-range regions by hue, and connected-component ("object") regions.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "support/op_checks.hpp"
#include "easel/core/error.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

cv::Mat resolve(const json& target, const Image& image) {
  const json valid = validate_target(target, registry().get("region.recolor"), "test");
  return resolve_region(valid, image, "test", test::run_context());
}

// Pixels within CIE76 ΔE `tolerance` of pure red: what the colour target selected before it went by hue.
int near_pure_red(const Image& image, double tolerance) {
  cv::Mat rgb, lab;
  cv::cvtColor(image.mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  cv::Mat d = lab - cv::Scalar(53.24, 80.09, 67.20);
  cv::Mat squared;
  cv::transform(d.mul(d), squared, cv::Matx13f(1, 1, 1));
  return cv::countNonZero(squared <= tolerance * tolerance);
}

double iou(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<double>(cv::countNonZero(a & b)) / std::max(1, cv::countNonZero(a | b));
}

TEST(ColourRegions, RedFindsTheRedMotorcycleInShadowAndHighlight) {
  const Image bike = test::load_photo("motorcycle_left.png");
  const cv::Mat red = resolve({{"color", "red"}}, bike);
  const double selected = cv::countNonZero(red >= 0.5f) / static_cast<double>(red.rows * red.cols);
  // The tank, fenders and side panel (and the red box on the shelf): several percent of the frame.
  EXPECT_GT(selected, 0.04);
  EXPECT_LT(selected, 0.2);
  // Pure-red distance found a small fraction of that: the bike's red is darker and duller than #ff0000.
  EXPECT_LT(near_pure_red(bike, 20), cv::countNonZero(red >= 0.5f) / 10);
  // Tank (lit), front fender (shadowed): selected; concrete floor, black seat, tyre: not.
  EXPECT_GE(red.at<float>(185, 420), 0.99f);
  EXPECT_GE(red.at<float>(285, 600), 0.99f);
  EXPECT_EQ(red.at<float>(450, 100), 0.0f);
  EXPECT_EQ(red.at<float>(185, 250), 0.0f);
  EXPECT_EQ(red.at<float>(420, 640), 0.0f);
}

TEST(ColourRegions, NeutralColoursStillSelectByDistance) {
  const Image coffee = test::load_photo("coffee.png");
  const cv::Mat white = resolve({{"color", "white"}, {"tolerance", 20}}, coffee);
  EXPECT_EQ(white.at<float>(190, 300), 0.0f);  // the coffee
  EXPECT_GT(cv::countNonZero(white >= 0.5f), 0.03 * static_cast<double>(white.total()));
}

// A real photo with two known shapes painted on: the truth of the object regions is exact.
struct Scene {
  Image image;
  cv::Mat disc;    // red, on the left
  cv::Mat square;  // blue, on the right
};

Scene painted_scene() {
  Scene scene;
  cv::Mat base = test::load_photo("chelsea.png").mat().clone();
  cv::GaussianBlur(base, base, cv::Size(), 6);  // a calm backdrop (out-of-focus look)
  base.convertTo(base, -1, 0.5, 60);
  scene.disc = cv::Mat::zeros(base.size(), CV_8U);
  scene.square = cv::Mat::zeros(base.size(), CV_8U);
  cv::circle(scene.disc, {110, 160}, 60, cv::Scalar(255), cv::FILLED);
  cv::rectangle(scene.square, cv::Rect(300, 100, 100, 110), cv::Scalar(255), cv::FILLED);
  base.setTo(cv::Scalar(200, 30, 40, 255), scene.disc);
  base.setTo(cv::Scalar(30, 60, 210, 255), scene.square);
  scene.image = Image(base);
  return scene;
}

TEST(ObjectRegions, TheRedObjectOnTheLeftIsTheDiscExactly) {
  const Scene scene = painted_scene();
  const cv::Mat left = resolve({{"object", {{"where", "left"}, {"color", "red"}}}}, scene.image) > 0.5f;
  EXPECT_GE(iou(left, scene.disc), 0.97);
  // Blue on the right is the square; the right half has no red object.
  const cv::Mat right = resolve({{"object", {{"where", "right"}, {"color", "blue"}}}}, scene.image) > 0.5f;
  EXPECT_GE(iou(right, scene.square), 0.97);
  const std::string message = test::error_of(
      scene.image, "region.recolor", {{"object", {{"where", "right"}, {"color", "red"}}}}, {{"color", "green"}});
  EXPECT_NE(message.find("no red pixels in the 'right' part"), std::string::npos) << message;
}

TEST(ObjectRegions, SalientObjectsWithoutAColour) {
  const Scene scene = painted_scene();
  const cv::Mat left = resolve({{"object", "left"}}, scene.image) > 0.5f;
  const cv::Mat right = resolve({{"object", "right"}}, scene.image) > 0.5f;
  EXPECT_GE(iou(left, scene.disc), 0.8);
  EXPECT_GE(iou(right, scene.square), 0.8);
}

TEST(ObjectRegions, BadTargetsAreSpecificPlanErrors) {
  const Image coffee = test::load_photo("coffee.png");
  const auto message = [&](const json& target) {
    return test::error_of(coffee, "region.recolor", target, {{"color", "blue"}});
  };
  EXPECT_NE(message({{"object", "upstairs"}}).find("object 'where' \"upstairs\" is not a spatial region"),
            std::string::npos);
  EXPECT_NE(message({{"object", {{"where", "left"}, {"colour", "red"}}}}).find("unknown key 'colour' in 'object'"),
            std::string::npos);
  EXPECT_NE(message({{"object", {{"color", "reddish-ish"}}}}).find("is not a colour"), std::string::npos);
  EXPECT_NE(message({{"object", {{"where", "left"}, {"tolerance", 10}}}}).find("'tolerance' needs a 'color'"),
            std::string::npos);
  EXPECT_NE(message({{"object", 3}}).find("'object' must be a region name"), std::string::npos);
  EXPECT_NE(message({{"object", "left"}, {"box", {0, 0, 1, 1}}}).find("exactly one of"), std::string::npos);
}

}  // namespace
}  // namespace easel
