// Mask accuracy against exact ground truth: subjects with known masks pasted onto real photographs; and
// on the real photos where the fallback fails, the default network against the most accurate one.
#include <algorithm>
#include <cstdio>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "easel/vision/segmentation.hpp"
#include "easel/vision/subject_networks.hpp"
#include "vision/segmentation_support.hpp"
#include "support/run_settings.hpp"
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
  EXPECT_EQ(segmentation_engine(test::installed_segmenter(SegmenterPolicy::model)), kIsnetModelName);
  for (const auto& composite : test::composites()) {
    SCOPED_TRACE(composite.name);
    const cv::Mat raw = isnet_subject_probability(composite.image, test::installed_segmenter().isnet_file());
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
  const auto model = test::installed_segmenter().u2netp_file();
  ASSERT_TRUE(std::filesystem::is_regular_file(model))
      << model << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
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
// subject ISNet finds: what it calls subject ISNet does too (precision), and it covers ISNet's subject
// (recall): the cup and saucer, the cat, and the rocket. ISNet also takes the rocket's launch towers,
// which stand outside the middle fifth of rocket.jpg, so there recall is measured in that band; in it
// ISNet also takes more of the launch pad and its floodlights at the rocket's foot, so U²-Net-p covers
// about half of ISNet's mask there (0.54), all of the rocket itself.
TEST(MaskAccuracy, U2netpFindsTheSubjectsTheFallbackMisses) {
  test::require_segmentation_model();
  const auto model = test::installed_segmenter().u2netp_file();
  ASSERT_TRUE(std::filesystem::is_regular_file(model))
      << model << " is missing: run `bash scripts/fetch-segmentation-model.sh`";
  struct Case {
    const char* photo;
    double margin;  // recall counts the columns from margin × width to (1 − margin) × width
    double recall;  // at least
  };
  for (const auto& [photo, margin, least_recall] :
       {Case{"rocket.jpg", 0.4, 0.5}, Case{"coffee.png", 0.0, 0.8}, Case{"chelsea.png", 0.0, 0.8}}) {
    SCOPED_TRACE(photo);
    const Image image = test::load_photo(photo).to_rgba8();
    const cv::Mat isnet =
        refine_subject_alpha(isnet_subject_probability(image, test::installed_segmenter().isnet_file()), image) >= 0.5f;
    const cv::Mat u2netp = refine_subject_alpha(u2netp_subject_probability(image, model), image) >= 0.5f;
    const cv::Range band(static_cast<int>(margin * image.width()), static_cast<int>((1 - margin) * image.width()));
    const double precision =
        cv::countNonZero(u2netp & isnet) / std::max(1.0, static_cast<double>(cv::countNonZero(u2netp)));
    const double recall = cv::countNonZero(u2netp.colRange(band) & isnet.colRange(band)) /
                          std::max(1.0, static_cast<double>(cv::countNonZero(isnet.colRange(band))));
    std::printf("[ u2netp   ] against isnet: precision %.4f, recall %.4f  %s\n", precision, recall, photo);
    ::testing::Test::RecordProperty(std::string("u2netp precision/recall against isnet ") + photo,
                                    std::to_string(precision) + "/" + std::to_string(recall));
    EXPECT_GE(precision, 0.95);
    EXPECT_GE(recall, least_recall);
  }
}

}  // namespace
}  // namespace easel
