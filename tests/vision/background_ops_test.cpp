// Background ops and subject/background regions on real photographs. Each test segments one photo once
// (the engine caches the mask by content) and runs every op on it.
#include <algorithm>
#include <cstdio>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/vision/segmentation.hpp"
#include "vision/segmentation_support.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

EditOutcome render(const Image& source, const json& step, const RunContext& context = test::run_context()) {
  EditPlan plan = edit_plan_from_json(json{{"steps", json::array({step})}});
  validate_plan(plan);
  ResultCache cache;
  return run_edit(source, plan.steps, cache, context);
}

// The subject's core: where the mask is exactly 1, shrunk by 2 px.
cv::Mat subject_core(const cv::Mat& alpha) {
  cv::Mat core = alpha == 1.0f;
  cv::erode(core, core, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
  return core;
}

cv::Mat changed_pixels(const Image& a, const Image& b) {
  cv::Mat difference, any;
  cv::absdiff(a.mat(), b.mat(), difference);
  cv::transform(difference, any, cv::Matx14f(1, 1, 1, 1));
  return any > 0;
}

void check_background_ops(const std::string& photo) {
  SCOPED_TRACE(photo);
  const Image source = test::load_photo(photo).to_rgba8();
  const SubjectMask mask = segment_subject(source, test::installed_segmenter(SegmenterPolicy::model));
  const cv::Mat core = subject_core(mask.alpha);
  const cv::Mat background = mask.alpha == 0.0f;
  const double pixels = static_cast<double>(source.width()) * source.height();
  ASSERT_GT(cv::countNonZero(core), 0.05 * pixels) << "the photo's subject was not found";
  ASSERT_GT(cv::countNonZero(background), 0.1 * pixels) << "the photo's background was not found";

  const json fills[] = {
      {{"fill", "color"}, {"color", "#ff00ff"}},
      {{"fill", "gradient"}, {"color", "#204080"}, {"to_color", "#e0f0ff"}, {"direction", "radial"}},
      {{"fill", "image"}, {"image", test::photo("rocket.jpg").string()}},
      {{"fill", "blur"}, {"strength", 0.8}},
  };
  for (const auto& params : fills) {
    SCOPED_TRACE(params.dump());
    const auto outcome =
        render(source, {{"op", "background.replace"}, {"target", {{"region", "background"}}}, {"params", params}});
    const cv::Mat changed = changed_pixels(source, outcome.render.state.image);
    EXPECT_EQ(cv::countNonZero(changed & core), 0) << "subject pixels inside the mask core changed";
    EXPECT_GT(cv::countNonZero(changed & background), 0.6 * cv::countNonZero(background))
        << "the background hardly changed";
    EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
  }

  const auto blurred = render(
      source, {{"op", "background.blur"}, {"target", {{"region", "background"}}}, {"params", {{"strength", 0.5}}}});
  const cv::Mat blur_changed = changed_pixels(source, blurred.render.state.image);
  EXPECT_EQ(cv::countNonZero(blur_changed & core), 0);
  // Out of focus: the background, away from the subject's outline, loses most of its fine detail
  // (Laplacian energy).
  cv::Mat far_background;
  cv::erode(background, far_background, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(15, 15)));
  ASSERT_GT(cv::countNonZero(far_background), 0.05 * pixels);
  const auto detail = [&](const Image& image) {
    cv::Mat grey, laplacian;
    cv::cvtColor(image.mat(), grey, cv::COLOR_RGBA2GRAY);
    cv::Laplacian(grey, laplacian, CV_32F);
    return cv::mean(cv::abs(laplacian), far_background)[0];
  };
  // A background that is already out of focus (chelsea's) cannot lose much more: the floor is the ~1 grey
  // level of Laplacian that 8-bit rounding leaves on a smooth gradient.
  const double before = detail(source), after = detail(blurred.render.state.image);
  std::printf("[ blur ] %s background detail %.2f -> %.2f\n", photo.c_str(), before, after);
  EXPECT_LT(after, std::max(0.5 * before, 1.5));
  EXPECT_GT(cv::countNonZero(blur_changed & far_background), 0.5 * cv::countNonZero(far_background));

  const auto removed = render(source, {{"op", "background.remove"}, {"target", {{"region", "background"}}}});
  const Image& cutout = removed.render.state.image;
  std::vector<cv::Mat> channels;
  cv::split(cutout.mat(), channels);
  const cv::Mat& alpha = channels[3];
  EXPECT_GT(cv::countNonZero(alpha == 0), 0.1 * pixels);
  EXPECT_GT(cv::countNonZero(alpha == 255), 0.05 * pixels);
  EXPECT_EQ(cv::countNonZero((alpha != 255) & core), 0);
  EXPECT_EQ(cv::countNonZero(changed_pixels(source, cutout) & core), 0);
  // PNG and WebP keep the alpha.
  for (const ImageFormat format : {ImageFormat::png, ImageFormat::webp}) {
    EncodeOptions options;
    options.format = format;
    options.quality = 100;
    const auto bytes = encode_image(cutout, options, OutputMetadata{});
    const Image decoded = decode_image(bytes, DecodeLimits{}).image.to_rgba8();
    std::vector<cv::Mat> decoded_channels;
    cv::split(decoded.mat(), decoded_channels);
    EXPECT_EQ(cv::countNonZero(decoded_channels[3] != alpha), 0);
  }

  // The subject region: a colour change of the subject leaves the background exactly as it was.
  const auto subject =
      render(source, {{"op", "color.adjust"}, {"target", {{"region", "product"}}}, {"params", {{"saturation", -1}}}});
  const cv::Mat subject_changed = changed_pixels(source, subject.render.state.image);
  EXPECT_EQ(cv::countNonZero(subject_changed & background), 0);
  EXPECT_GT(cv::countNonZero(subject_changed & core), 0.5 * cv::countNonZero(core));
}

TEST(BackgroundOps, Coffee) { check_background_ops("coffee.png"); }
TEST(BackgroundOps, MotorcycleLeft) { check_background_ops("motorcycle_left.png"); }
TEST(BackgroundOps, MotorcycleRight) { check_background_ops("motorcycle_right.png"); }
TEST(BackgroundOps, Chelsea) { check_background_ops("chelsea.png"); }
TEST(BackgroundOps, Astronaut) { check_background_ops("astronaut.png"); }

TEST(BackgroundOps, ParametersAreChecked) {
  const auto invalid = [](const json& step) {
    EditPlan plan = edit_plan_from_json(json{{"steps", json::array({step})}});
    try {
      validate_plan(plan);
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), ErrorKind::plan);
      return std::string(error.what());
    }
    ADD_FAILURE() << "accepted " << step.dump();
    return std::string();
  };
  EXPECT_NE(
      invalid({{"op", "background.replace"}, {"target", {{"region", "background"}}}, {"params", {{"fill", "image"}}}})
          .find("needs 'image'"),
      std::string::npos);
  EXPECT_NE(
      invalid({{"op", "background.replace"}, {"target", {{"region", "background"}}}, {"params", {{"fill", "plaid"}}}})
          .find("fill"),
      std::string::npos);
  EXPECT_NE(invalid({{"op", "background.blur"}, {"target", {{"region", "background"}}}, {"params", {{"strength", 3}}}})
                .find("strength"),
            std::string::npos);
  EXPECT_NE(invalid({{"op", "background.remove"}, {"target", {{"region", "left"}}}}).find("background.remove"),
            std::string::npos);
}

TEST(BackgroundOps, MaskTargetNeedsNoSegmentation) {
  // With a user's mask as the background, no segmenter runs, even when the model is required and absent.
  RunContext model_required;
  model_required.segmenter = {SegmenterPolicy::model, test::installed_segmenter().folder, "/nonexistent/isnet.onnx"};
  const Image source = test::load_photo("coffee.png").to_rgba8();
  cv::Mat mask(source.height(), source.width(), CV_8UC4, cv::Scalar(0, 0, 0, 255));
  mask.rowRange(0, source.height() / 2).setTo(cv::Scalar(255, 255, 255, 255));
  const auto file = test::temp_dir() / "top-half.png";
  const auto bytes = encode_image(Image(mask), EncodeOptions{}, OutputMetadata{});
  write_file_atomically(file, bytes);
  const auto outcome = render(
      source, {{"op", "background.replace"}, {"target", {{"mask", file.string()}}}, {"params", {{"color", "#000000"}}}},
      model_required);
  const cv::Mat changed = changed_pixels(source, outcome.render.state.image);
  EXPECT_EQ(cv::countNonZero(changed.rowRange(source.height() / 2, source.height())), 0);
  EXPECT_TRUE(outcome.render.steps[0].model.empty());
}

}  // namespace
}  // namespace easel
