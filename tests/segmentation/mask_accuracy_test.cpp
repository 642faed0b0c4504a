// Mask accuracy against exact ground truth: subjects with known masks pasted onto real photographs; and
// on the real photos where the fallback fails, the default network against the most accurate one.
#include <cstdio>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/vision/segmentation.hpp"
#include "easel/vision/subject_networks.hpp"
#include "segmentation/segmentation_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

// The refined mask is exactly 0 or 1 away from the outline and soft along it.
void expect_mask_core(const cv::Mat& refined) {
  const double exact = cv::countNonZero(refined == 1.0f) + cv::countNonZero(refined == 0.0f);
  EXPECT_GT(exact / static_cast<double>(refined.total()), 0.9);
  EXPECT_GT(cv::countNonZero((refined > 0.0f) & (refined < 1.0f)), 0);
}

// Also checks that the full-resolution refinement costs no accuracy.
TEST(MaskAccuracy, IsnetReachesIoU95OnEveryComposite) {
  test::require_segmentation_model();
  EXPECT_EQ(segmentation_engine(SegmenterPolicy::model), kIsnetModelName);
  for (const auto& composite : test::composites()) {
    SCOPED_TRACE(composite.name);
    const cv::Mat raw = isnet_subject_probability(composite.image, segmentation_model_path());
    const cv::Mat refined = refine_subject_alpha(raw, composite.image);
    const double iou = test::intersection_over_union(refined, composite.truth);
    const double raw_iou = test::intersection_over_union(raw, composite.truth);
    std::printf("[ isnet    ] IoU %.4f (network alone %.4f)  %s\n", iou, raw_iou, composite.name.c_str());
    ::testing::Test::RecordProperty("isnet IoU " + composite.name, std::to_string(iou));
    EXPECT_GE(iou, 0.95);
    EXPECT_GE(iou, raw_iou - 0.005);
    expect_mask_core(refined);
  }
}

// The default network is small (320² input) and coarser; the refinement brings its edge onto the photo's.
TEST(MaskAccuracy, U2netpReachesIoU90OnEveryComposite) {
  const auto model = u2netp_model_path();
  ASSERT_TRUE(std::filesystem::is_regular_file(model)) << model << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
  for (const auto& composite : test::composites()) {
    SCOPED_TRACE(composite.name);
    const cv::Mat raw = u2netp_subject_probability(composite.image, model);
    const cv::Mat refined = refine_subject_alpha(raw, composite.image);
    const double iou = test::intersection_over_union(refined, composite.truth);
    const double raw_iou = test::intersection_over_union(raw, composite.truth);
    std::printf("[ u2netp   ] IoU %.4f (network alone %.4f)  %s\n", iou, raw_iou, composite.name.c_str());
    ::testing::Test::RecordProperty("u2netp IoU " + composite.name, std::to_string(iou));
    EXPECT_GE(iou, 0.9);
    EXPECT_GE(iou, raw_iou - 0.005);
    expect_mask_core(refined);
  }
}

// Where the fallback fails (FallbackConfidence.LowWhereTheFallbackFails), the default network finds the
// same subject as ISNet: the rocket, the cup and saucer, the cat.
TEST(MaskAccuracy, U2netpFindsTheSubjectsTheFallbackMisses) {
  test::require_segmentation_model();
  const auto model = u2netp_model_path();
  ASSERT_TRUE(std::filesystem::is_regular_file(model)) << model << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
  for (const char* photo : {"rocket.jpg", "coffee.png", "chelsea.png"}) {
    SCOPED_TRACE(photo);
    const Image image = test::load_photo(photo).to_rgba8();
    const cv::Mat isnet = refine_subject_alpha(isnet_subject_probability(image, segmentation_model_path()), image) >= 0.5f;
    const cv::Mat u2netp = refine_subject_alpha(u2netp_subject_probability(image, model), image);
    const double iou = test::intersection_over_union(u2netp, isnet);
    std::printf("[ u2netp   ] IoU with isnet %.4f  %s\n", iou, photo);
    ::testing::Test::RecordProperty(std::string("u2netp IoU with isnet ") + photo, std::to_string(iou));
    EXPECT_GE(iou, 0.8);
  }
}

}  // namespace
}  // namespace easel
