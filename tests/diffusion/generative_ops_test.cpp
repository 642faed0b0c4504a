// The generative ops through the executor on a real photograph with the reference models: pixels
// outside the feathered region bit-identical, the seam measured, each op's effect where it acts;
// the engine interface's progress and cancel; and the capability error without an engine.
#include <gtest/gtest.h>

#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/seam.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

class GenerativeOps : public ::testing::Test {
 protected:
  void SetUp() override {
    test::use_reference_tokenizer();
    install_generation_engine(make_diffusion_engine({{}, test::sd_reference() / "tokenizer"}));
  }
  void TearDown() override { install_generation_engine(nullptr); }

  // coffee.png at a quarter of its size: a real photograph small enough for a quick suite.
  static Image small_photo() {
    cv::Mat small;
    cv::resize(easel::test::load_photo("coffee.png").to_rgba8().mat(), small, cv::Size(150, 100), 0, 0, cv::INTER_AREA);
    return Image(small);
  }

  static PlanStep step(const std::string& op, json target, json params) {
    EditPlan plan;
    plan.steps.push_back({op, std::move(target), std::move(params), ""});
    validate_plan(plan);
    return plan.steps.front();
  }

  // Runs one step on the photo and checks what every generative edit promises.
  static SeamMeasure run_and_check(const Image& photo, const PlanStep& step) {
    ResultCache cache;
    EditOutcome outcome = run_edit(photo, {step}, cache);
    const cv::Mat weight = resolve_region(step.target, photo, "test");
    cv::Mat outside = weight == 0;
    cv::Mat difference;
    cv::absdiff(outcome.render.state.image.mat(), photo.to_rgba8().mat(), difference);
    cv::Mat changed;
    cv::transform(difference, changed, cv::Matx14f(1, 1, 1, 1));
    EXPECT_EQ(cv::countNonZero(changed & outside), 0) << step.op << ": pixels outside the region changed";
    EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u) << step.op;
    EXPECT_GT(cv::countNonZero(changed & (weight > 0.99)), cv::countNonZero(weight > 0.99) / 2) << step.op << " left its region mostly as it was";
    const auto seam = measure_seam(photo, outcome.render.state.image, outcome.render.state.edited);
    EXPECT_TRUE(seam.has_value()) << step.op;
    if (!seam) return {};
    std::printf("  seam %-16s feather %-3s %lld boundary pairs: result step %.2f, source step %.2f (0..255)\n", step.op.c_str(),
                step.target.value("feather", json(0)).dump().c_str(), seam->boundary_pairs, seam->result_step, seam->source_step);
    return *seam;
  }
};

// The reference models are random networks whose "objects" are noise, so a seam is plain to see
// unless the feather fades it: the feathered edit's boundary step must be far below the hard edge's.
TEST_F(GenerativeOps, ObjectReplaceWithAnInpaintingModelStaysInsideItsRegionAndFeatheringHidesTheSeam) {
  const Image photo = small_photo();
  const json params = {{"prompt", "a bowl of oranges"}, {"model", test::inpaint_model_folder().string()}, {"seed", 3}, {"steps", 3}, {"working_size", 128}};
  const SeamMeasure hard = run_and_check(photo, step("object.replace", {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", 0}}, params));
  const SeamMeasure feathered = run_and_check(photo, step("object.replace", {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", 8}}, params));
  EXPECT_LT(feathered.result_step, hard.result_step / 3);
  EXPECT_GT(hard.result_step, hard.source_step) << "a hard-edged random fill shows its seam";
}

TEST_F(GenerativeOps, ObjectAddWithAnOrdinaryModelBlendsLatentsAndStaysInsideItsRegion) {
  const Image photo = small_photo();
  run_and_check(photo, step("object.add", {{"region", "top-right"}, {"feather", 8}},
                            {{"prompt", "a red kite"}, {"model", (test::models() / "sd1").string()}, {"seed", 4}, {"steps", 3}, {"working_size", 128}}));
}

TEST_F(GenerativeOps, ObjectRemoveWithAModelInpaintsTheHoleGeneratively) {
  const Image photo = small_photo();
  run_and_check(photo, step("object.remove", {{"box", {0.35, 0.3, 0.3, 0.3}}, {"feather", 4}},
                            {{"method", "generative"}, {"model", test::inpaint_model_folder().string()}, {"seed", 7}, {"steps", 3}, {"working_size", 128}}));
}

TEST_F(GenerativeOps, ObjectRemoveWithoutAModelIsClassicalOnAutoAndACapabilityErrorWhenGenerativeIsAsked) {
  ::unsetenv("EASEL_MODEL");
  const Image photo = small_photo();
  const json box = {{"box", {0.35, 0.3, 0.3, 0.3}}};
  ResultCache cache;
  const EditOutcome classical = run_edit(photo, {step("object.remove", box, json::object())}, cache);
  EXPECT_EQ(classical.preservation.changed_pixels_outside, 0u);
  try {
    run_edit(photo, {step("object.remove", box, {{"method", "generative"}})}, cache);
    FAIL() << "expected a capability error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("--model"), std::string::npos) << error.what();
  }
}

TEST_F(GenerativeOps, ImageToImageAndInstructionEditsStayInsideTheirRegion) {
  const Image photo = small_photo();
  run_and_check(photo, step("generate.img2img", {{"region", "left"}, {"feather", 8}},
                            {{"prompt", "a watercolour painting"}, {"model", (test::models() / "sd1").string()}, {"seed", 5}, {"steps", 4}, {"strength", 0.75}}));
  run_and_check(photo, step("generate.instruct", {{"region", "bottom"}, {"feather", 8}},
                            {{"prompt", "make it winter"}, {"model", test::instruct_model_folder().string()}, {"seed", 6}, {"steps", 3}}));
}

TEST_F(GenerativeOps, GenerateImageMakesAnImageOfTheAskedSize) {
  const Image photo = small_photo();
  ResultCache cache;
  const auto outcome = run_edit(photo, {step("generate.image", {{"region", "all"}},
                                             {{"prompt", "a lighthouse"}, {"width", 100}, {"height", 60}, {"model", (test::models() / "sd1").string()}, {"steps", 2}})},
                                cache);
  EXPECT_EQ(outcome.render.state.image.width(), 100);
  EXPECT_EQ(outcome.render.state.image.height(), 60);
  EXPECT_FALSE(outcome.preservation.comparable);
}

TEST_F(GenerativeOps, ProgressIsReportedPerStepAndCancelStopsTheRun) {
  GenerationRequest request;
  request.model = (test::models() / "sd1").string();
  request.prompt = "a photo of a cat";
  request.width = 64;
  request.height = 64;
  request.steps = 6;
  std::vector<std::pair<int, int>> reports;
  request.on_step = [&](int done, int total) { reports.emplace_back(done, total); };
  const GenerationResult result = generation_engine("test").generate(request);
  ASSERT_EQ(reports.size(), 7u);
  for (int i = 0; i <= 6; ++i) EXPECT_EQ(reports[static_cast<std::size_t>(i)], std::make_pair(i, 6));
  EXPECT_EQ(result.images.size(), 1u);

  reports.clear();
  request.cancelled = [&] { return reports.size() >= 3; };  // the start and two steps
  EXPECT_THROW(generation_engine("test").generate(request), GenerationCancelled);
  EXPECT_EQ(reports.size(), 3u) << "no step runs after the cancel flag is seen";
}

TEST_F(GenerativeOps, WithoutAnEngineGenerativeOpsAreACapabilityError) {
  install_generation_engine(nullptr);
  const Image photo = small_photo();
  ResultCache cache;
  try {
    run_edit(photo, {step("object.add", {{"region", "center"}}, {{"prompt", "a kite"}, {"model", "whatever"}})}, cache);
    FAIL() << "expected a capability error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("diffusion engine"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace easel::diffusion
