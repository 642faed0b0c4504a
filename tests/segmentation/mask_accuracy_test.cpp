// Mask accuracy against exact ground truth: subjects with known masks pasted onto real photographs.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/vision/segmentation.hpp"
#include "segmentation/segmentation_support.hpp"

namespace easel {
namespace {

// Also checks that the full-resolution refinement costs no accuracy and leaves the mask exactly 0 or 1
// away from the outline.
TEST(MaskAccuracy, ModelReachesIoU95OnEveryComposite) {
  test::require_segmentation_model();
  EXPECT_EQ(segmentation_engine(SegmenterPolicy::model), kSegmentationModelName);
  for (const auto& composite : test::composites()) {
    SCOPED_TRACE(composite.name);
    const cv::Mat raw = model_subject_probability(composite.image, segmentation_model_path());
    const cv::Mat refined = refine_subject_alpha(raw, composite.image);
    const double iou = test::intersection_over_union(refined, composite.truth);
    const double raw_iou = test::intersection_over_union(raw, composite.truth);
    std::printf("[ model    ] IoU %.4f (network alone %.4f)  %s\n", iou, raw_iou, composite.name.c_str());
    ::testing::Test::RecordProperty("model IoU " + composite.name, std::to_string(iou));
    EXPECT_GE(iou, 0.95);
    EXPECT_GE(iou, raw_iou - 0.005);
    const double exact = cv::countNonZero(refined == 1.0f) + cv::countNonZero(refined == 0.0f);
    EXPECT_GT(exact / static_cast<double>(refined.total()), 0.9);
    EXPECT_GT(cv::countNonZero((refined > 0.0f) & (refined < 1.0f)), 0);
  }
}

// The fallback is reported, not held to the model's bar; the floor catches a fallback that has stopped
// finding the subject at all.
TEST(MaskAccuracy, FallbackIoUIsReported) {
  double sum = 0;
  for (const auto& composite : test::composites()) {
    SCOPED_TRACE(composite.name);
    const SubjectMask mask = segment_subject(composite.image, SegmenterPolicy::fallback);
    EXPECT_EQ(mask.engine, kSegmentationFallbackName);
    const double iou = test::intersection_over_union(mask.alpha, composite.truth);
    std::printf("[ fallback ] IoU %.4f  %s\n", iou, composite.name.c_str());
    ::testing::Test::RecordProperty("fallback IoU " + composite.name, std::to_string(iou));
    sum += iou;
  }
  EXPECT_GE(sum / static_cast<double>(test::composites().size()), 0.6);
}

}  // namespace
}  // namespace easel
