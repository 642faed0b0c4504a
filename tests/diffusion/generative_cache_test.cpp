// The executor's result cache around generative steps: a step that runs EASEL_MODEL's model (no model
// of its own) is recomputed when EASEL_MODEL names another model, and a step served from the cache
// still names the model that made it — in memory and from a document's disk cache.
#include <gtest/gtest.h>

#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/ops/generation.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

class GenerativeCache : public ::testing::Test {
 protected:
  void SetUp() override {
    test::use_reference_tokenizer();
    DiffusionEngineOptions options;
    options.tokenizer_dir = test::sd_reference() / "tokenizer";
    install_generation_engine(make_diffusion_engine(options));
  }
  void TearDown() override {
    install_generation_engine(nullptr);
    ::unsetenv("EASEL_MODEL");
  }

  static Image small_photo() {
    cv::Mat small;
    cv::resize(easel::test::load_photo("coffee.png").to_rgba8().mat(), small, cv::Size(96, 64), 0, 0, cv::INTER_AREA);
    return Image(small);
  }

  // An img2img step with no model of its own: EASEL_MODEL decides which model runs it.
  static std::vector<PlanStep> steps_without_a_model() {
    EditPlan plan;
    plan.steps.push_back({"generate.img2img", {{"region", "all"}}, {{"prompt", "an oil painting"}, {"seed", 5}, {"steps", 2}, {"strength", 1.0}}, ""});
    validate_plan(plan);
    return plan.steps;
  }
};

TEST_F(GenerativeCache, ChangingEaselModelRecomputesAStepWithoutAModelOfItsOwn) {
  const Image photo = small_photo();
  ResultCache cache;
  ::setenv("EASEL_MODEL", test::turbo_model_folder().c_str(), 1);
  const EditOutcome first = run_edit(photo, steps_without_a_model(), cache);
  ASSERT_EQ(first.render.steps.size(), 1u);
  EXPECT_FALSE(first.render.steps[0].cached);
  EXPECT_NE(first.render.steps[0].model.find(test::turbo_model_folder().filename().string()), std::string::npos) << first.render.steps[0].model;

  const auto sd1 = test::sd_reference() / "models" / "sd1";
  ::setenv("EASEL_MODEL", sd1.c_str(), 1);
  const EditOutcome other = run_edit(photo, steps_without_a_model(), cache);
  EXPECT_FALSE(other.render.steps[0].cached) << "another model's result was reused";
  EXPECT_NE(other.render.steps[0].model.find(sd1.string()), std::string::npos) << other.render.steps[0].model;
  EXPECT_GT(cv::norm(first.render.state.image.mat(), other.render.state.image.mat(), cv::NORM_INF), 0.0);
}

TEST_F(GenerativeCache, AStepFromTheCacheNamesItsModelInMemoryAndOnDisk) {
  const Image photo = small_photo();
  ::setenv("EASEL_MODEL", test::turbo_model_folder().c_str(), 1);
  const auto folder = easel::test::temp_dir() / "document-cache";
  std::string made_by;
  {
    ResultCache cache(folder);
    const EditOutcome made = run_edit(photo, steps_without_a_model(), cache);
    made_by = made.render.steps[0].model;
    ASSERT_FALSE(made_by.empty());
    const EditOutcome again = run_edit(photo, steps_without_a_model(), cache);
    EXPECT_TRUE(again.render.steps[0].cached);
    EXPECT_EQ(again.render.steps[0].model, made_by);
  }
  ResultCache reopened(folder);
  const EditOutcome from_disk = run_edit(photo, steps_without_a_model(), reopened);
  EXPECT_TRUE(from_disk.render.steps[0].cached);
  EXPECT_EQ(from_disk.render.steps[0].model, made_by);
}

}  // namespace
}  // namespace easel::diffusion
