// Regional application: pixels outside a step's region stay bit-identical, whatever the region kind.
#include <cstdlib>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/image/codec.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

EditOutcome render(const Image& source, const json& steps, const RunContext& context = test::run_context()) {
  EditPlan plan = edit_plan_from_json(json{{"steps", steps}});
  validate_plan(plan);
  ResultCache cache;
  return run_edit(source, plan.steps, cache, context);
}

// Pixels whose weight is zero must be exactly the source's; the step must change something inside.
void expect_confined(const Image& source, const Image& result, const cv::Rect& inside) {
  cv::Mat outside_mask(source.height(), source.width(), CV_8U, cv::Scalar(255));
  outside_mask(inside).setTo(0);
  cv::Mat difference;
  cv::absdiff(source.mat(), result.mat(), difference);
  cv::Mat changed;
  cv::cvtColor(difference, changed, cv::COLOR_RGBA2GRAY);
  EXPECT_EQ(cv::countNonZero(changed & outside_mask), 0);
  EXPECT_GT(cv::countNonZero(changed(inside)), inside.area() / 4);
}

TEST(Regions, NamedRegionsChangeOnlyTheirArea) {
  const Image coffee = test::load_photo("coffee.png");
  const int w = coffee.width(), h = coffee.height();
  const std::vector<std::pair<std::string, cv::Rect>> regions{
      {"left", {0, 0, w / 2, h}},
      {"right", {w / 2, 0, w - w / 2, h}},
      {"top", {0, 0, w, h / 2}},
      {"bottom-right", {w / 2, h / 2, w - w / 2, h - h / 2}},
      {"center", {w / 4, h / 4, w / 2, h / 2}},
      {"left-third", {0, 0, w / 3, h}},
  };
  for (const auto& [name, rect] : regions) {
    SCOPED_TRACE(name);
    const auto outcome = render(coffee, json::array({{{"op", "color.adjust"},
                                                      {"target", {{"region", name}}},
                                                      {"params", {{"warmth", 0.8}, {"contrast", 0.4}}}}}));
    expect_confined(coffee, outcome.render.state.image, rect);
    EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u);
    EXPECT_NEAR(outcome.preservation.edited_fraction, static_cast<double>(rect.area()) / (w * h), 0.01);
  }
}

TEST(Regions, FeatherFadesInwardsOnly) {
  const Image coffee = test::load_photo("coffee.png");
  const auto outcome = render(coffee, json::array({{{"op", "color.adjust"},
                                                    {"target", {{"region", "left"}, {"feather", 40}}},
                                                    {"params", {{"brightness", 0.5}}}}}));
  const cv::Mat& result = outcome.render.state.image.mat();
  const int edge = coffee.width() / 2;
  // Just inside the edge the change is partial, deep inside it is full, just outside it is none.
  const int y = coffee.height() / 2;
  const auto brighter = [&](int x) { return result.at<cv::Vec4b>(y, x)[1] - coffee.mat().at<cv::Vec4b>(y, x)[1]; };
  EXPECT_EQ(brighter(edge), 0);
  EXPECT_GT(brighter(edge - 60), 3 * std::max(1, brighter(edge - 2)));
}

TEST(Regions, BoxColourAndMaskRegionsStayConfined) {
  const Image chelsea = test::load_photo("chelsea.png");
  const auto box = render(chelsea, json::array({{{"op", "color.adjust"},
                                                 {"target", {{"box", {0.1, 0.2, 0.3, 0.4}}, {"feather", 0}}},
                                                 {"params", {{"saturation", -1}}}}}));
  EXPECT_EQ(box.preservation.changed_pixels_outside, 0u);
  EXPECT_GT(box.preservation.edited_fraction, 0.11);
  EXPECT_LT(box.preservation.edited_fraction, 0.13);

  // The white cup and saucer of coffee.png, and nothing of the dark coffee or the red background.
  const Image coffee = test::load_photo("coffee.png");
  const auto white = render(coffee, json::array({{{"op", "color.adjust"},
                                                  {"target", {{"color", "white"}, {"tolerance", 20}}},
                                                  {"params", {{"warmth", -1}}}}}));
  EXPECT_EQ(white.preservation.changed_pixels_outside, 0u);
  EXPECT_GT(white.preservation.edited_fraction, 0.05);
  EXPECT_LT(white.preservation.edited_fraction, 0.5);
  const cv::Vec4b coffee_centre = white.render.state.image.mat().at<cv::Vec4b>(190, 300);
  EXPECT_EQ(coffee_centre, coffee.mat().at<cv::Vec4b>(190, 300));

  cv::Mat mask(chelsea.height(), chelsea.width(), CV_8UC4, cv::Scalar(0, 0, 0, 255));
  cv::circle(mask, {chelsea.width() / 2, chelsea.height() / 2}, 60, cv::Scalar(255, 255, 255, 255), cv::FILLED);
  const auto mask_path = test::temp_dir() / "mask.png";
  write_file_atomically(mask_path, encode_image(Image(mask), EncodeOptions{}, OutputMetadata{}));
  const auto masked = render(
      chelsea,
      json::array(
          {{{"op", "color.adjust"}, {"target", {{"mask", mask_path.string()}}}, {"params", {{"exposure", 1}}}}}));
  EXPECT_EQ(masked.preservation.changed_pixels_outside, 0u);
  EXPECT_NEAR(masked.preservation.edited_fraction, CV_PI * 60 * 60 / (chelsea.width() * chelsea.height()), 0.01);
}

TEST(Regions, MaskOfTheWrongSizeIsAPlanError) {
  const Image chelsea = test::load_photo("chelsea.png");
  const auto mask_path = test::temp_dir() / "small.png";
  write_file_atomically(mask_path, encode_image(Image(cv::Mat(10, 10, CV_8UC4, cv::Scalar::all(255))), EncodeOptions{},
                                                OutputMetadata{}));
  try {
    render(chelsea,
           json::array(
               {{{"op", "color.adjust"}, {"target", {{"mask", mask_path.string()}}}, {"params", {{"exposure", 1}}}}}));
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::plan);
    EXPECT_NE(std::string(error.what()).find("is 10x10 but the image it applies to is 451x300"), std::string::npos)
        << error.what();
  }
}

TEST(Regions, SegmentationRegionsNameTheMissingEngine) {
  const Image chelsea = test::load_photo("chelsea.png");
  RunContext model_required;  // the model is required and is not where it is looked for
  model_required.segmenter = {SegmenterPolicy::model, test::installed_segmenter().folder,
                              "/nonexistent/isnet-medium-fp32.onnx"};
  try {
    render(
        chelsea,
        json::array({{{"op", "color.adjust"}, {"target", {{"region", "background"}}}, {"params", {{"exposure", 1}}}}}),
        model_required);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("segmentation"), std::string::npos);
  }
}

TEST(Regions, GeometryOpsRefuseRegionalTargets) {
  EditPlan plan = edit_plan_from_json(
      json{{"steps",
            json::array({{{"op", "image.crop"}, {"target", {{"region", "left"}}}, {"params", {{"aspect", "1:1"}}}}})}});
  EXPECT_THROW(validate_plan(plan), Error);
}

}  // namespace
}  // namespace easel
