// The executor records what decided each step's subject (run/executor, StepRecord::segmentation), the
// result cache keeps it, and run/segmentation_report turns it into the report field and the warning.
#include <filesystem>

#include <gtest/gtest.h>

#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "easel/run/segmentation_report.hpp"
#include "vision/segmentation_support.hpp"
#include "support/test_support.hpp"

namespace easel {
namespace {

StepRecord step(const std::string& op, std::optional<SegmentationNote> note) {
  StepRecord record{op, "", 0, false};
  record.segmentation = std::move(note);
  return record;
}

SegmentationNote fallback(double confidence) {
  return {kSegmentationFallbackName, confidence, "subject and background have similar colours"};
}

TEST(SegmentationReport, NothingWhenNoStepSegmented) {
  const std::vector<StepRecord> steps = {step("color.adjust", std::nullopt)};
  EXPECT_TRUE(segmentation_verification(steps).is_null());
  EXPECT_FALSE(segmentation_warning(steps).has_value());
}

TEST(SegmentationReport, ANetworkIsNamedWithoutAWarning) {
  const std::vector<StepRecord> steps = {step("color.adjust", std::nullopt),
                                         step("background.blur", SegmentationNote{kU2netpModelName, {}, ""})};
  EXPECT_EQ(segmentation_verification(steps),
            (nlohmann::json{{"engine", "u2netp"}, {"fallback", false}, {"steps", {2}}}));
  EXPECT_FALSE(segmentation_warning(steps).has_value());
}

TEST(SegmentationReport, TheLeastConfidentFallbackStepSpeaksForTheRun) {
  const std::vector<StepRecord> steps = {step("background.blur", fallback(0.7)),
                                         step("background.replace", fallback(0.3))};
  const nlohmann::json field = segmentation_verification(steps);
  EXPECT_EQ(field["engine"], kSegmentationFallbackName);
  EXPECT_EQ(field["fallback"], true);
  EXPECT_EQ(field["steps"], nlohmann::json::array({1, 2}));
  EXPECT_DOUBLE_EQ(field["confidence"].get<double>(), 0.3);
  EXPECT_EQ(field["minimum_confidence"], kFallbackMinimumConfidence);
  EXPECT_EQ(field["low_confidence"], true);
  EXPECT_EQ(field["concern"], "subject and background have similar colours");
  EXPECT_NE(field["advice"].get<std::string>().find(kSegmentationModelCommand), std::string::npos);
  const auto warning = segmentation_warning(steps);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("steps 1 (background.blur), 2 (background.replace)"), std::string::npos) << *warning;
  EXPECT_NE(warning->find("confidence 0.30 (LOW, below 0.50"), std::string::npos) << *warning;
  EXPECT_NE(warning->find(kSegmentationModelCommand), std::string::npos) << *warning;
}

TEST(SegmentationReport, AConfidentFallbackIsStillWarnedAbout) {
  const std::vector<StepRecord> steps = {step("background.remove", fallback(0.8))};
  EXPECT_EQ(segmentation_verification(steps)["low_confidence"], false);
  const auto warning = segmentation_warning(steps);
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("with confidence 0.80 (subject and background"), std::string::npos) << *warning;
  EXPECT_EQ(warning->find("LOW"), std::string::npos) << *warning;
}

// The real executor on the rocket with the fallback accepted: the step's record carries the fallback's
// low confidence, and so does the same step taken from a document's disk cache by a later run.
TEST(SegmentationReport, TheExecutorRecordsTheFallbackAndTheCacheKeepsIt) {
  RunContext fallback_accepted;
  fallback_accepted.segmenter.policy = SegmenterPolicy::fallback;
  const Image rocket = test::load_photo("rocket.jpg").to_rgba8();
  EditPlan plan = edit_plan_from_json(
      nlohmann::json{{"steps", {{{"op", "background.blur"}, {"target", {{"region", "background"}}}}}}});
  validate_plan(plan);
  const std::filesystem::path folder = test::temp_dir() / "segmentation-cache";
  std::filesystem::remove_all(folder);
  std::optional<SegmentationNote> first;
  {
    ResultCache cache(folder);
    const EditOutcome outcome = run_edit(rocket, plan.steps, cache, fallback_accepted);
    ASSERT_FALSE(outcome.render.steps[0].cached);
    first = outcome.render.steps[0].segmentation;
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->engine, kSegmentationFallbackName);
  ASSERT_TRUE(first->confidence.has_value());
  EXPECT_LT(*first->confidence, kFallbackMinimumConfidence);
  ResultCache reopened(folder);
  const EditOutcome again = run_edit(rocket, plan.steps, reopened, fallback_accepted);
  ASSERT_TRUE(again.render.steps[0].cached);
  ASSERT_TRUE(again.render.steps[0].segmentation.has_value());
  EXPECT_EQ(again.render.steps[0].segmentation->confidence, first->confidence);
  EXPECT_EQ(again.render.steps[0].segmentation->concern, first->concern);
}

}  // namespace
}  // namespace easel
