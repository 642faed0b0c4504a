// The generative ops through the executor on a real photograph with the reference models: pixels
// outside the feathered region bit-identical, the seam measured, each op's effect where it acts;
// the engine interface's progress and cancel; and the capability error without an engine.
#include <gtest/gtest.h>

#include <cstdlib>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/regions/region.hpp"
#include "easel/ops/seam.hpp"
#include "easel/plan/edit_plan.hpp"
#include "easel/run/edit_job.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/run_settings.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

class GenerativeOps : public ::testing::Test {
 protected:
  void SetUp() override {
    test::use_reference_tokenizer();
    DiffusionEngineOptions options;
    options.tokenizer_dir = test::sd_reference() / "tokenizer";
    install_generation_engine(make_diffusion_engine(options));
  }
  void TearDown() override { install_generation_engine(nullptr); }

  // A run whose generative steps without a model of their own run `model`.
  static RunContext with_default_model(const std::filesystem::path& model) {
    RunContext context = easel::test::run_context();
    context.default_model = model.string();
    context.model_advice = "give --model NAME|PATH";
    return context;
  }

  // coffee.png at a quarter of its size: a real photograph small enough for a quick suite.
  static Image small_photo() {
    cv::Mat small;
    cv::resize(easel::test::load_photo("coffee.png").to_rgba8().mat(), small, cv::Size(150, 100), 0, 0, cv::INTER_AREA);
    return Image(small);
  }

  // An img2img step with no model of its own: the run's default model decides which model runs it.
  static std::vector<PlanStep> img2img_without_a_model() {
    return {step("generate.img2img", {{"region", "all"}},
                 {{"prompt", "an oil painting"}, {"seed", 5}, {"steps", 2}, {"strength", 1.0}})};
  }

  static PlanStep step(const std::string& op, json target, json params) {
    EditPlan plan;
    plan.steps.push_back({op, std::move(target), std::move(params), ""});
    validate_plan(plan);
    return plan.steps.front();
  }

  // Runs one step on the photo and checks what every generative edit promises.
  static SeamMeasure run_and_check(const Image& photo, const PlanStep& step,
                                   const RunContext& context = easel::test::run_context()) {
    ResultCache cache;
    EditOutcome outcome = run_edit(photo, {step}, cache, context);
    const cv::Mat weight = resolve_region(step.target, photo, "test", context);
    cv::Mat outside = weight == 0;
    cv::Mat difference;
    cv::absdiff(outcome.render.state.image.mat(), photo.to_rgba8().mat(), difference);
    cv::Mat changed;
    cv::transform(difference, changed, cv::Matx14f(1, 1, 1, 1));
    EXPECT_EQ(cv::countNonZero(changed & outside), 0) << step.op << ": pixels outside the region changed";
    EXPECT_EQ(outcome.preservation.changed_pixels_outside, 0u) << step.op;
    EXPECT_GT(cv::countNonZero(changed & (weight > 0.99)), cv::countNonZero(weight > 0.99) / 2)
        << step.op << " left its region mostly as it was";
    const auto seam = measure_seam(photo, outcome.render.state.image, outcome.render.state.edited);
    EXPECT_TRUE(seam.has_value()) << step.op;
    if (!seam) return {};
    std::printf("  seam %-16s feather %-3s %lld boundary pairs: result step %.2f, source step %.2f (0..255)\n",
                step.op.c_str(), step.target.value("feather", json(0)).dump().c_str(), seam->boundary_pairs,
                seam->result_step, seam->source_step);
    return *seam;
  }
};

// The reference models are random networks whose "objects" are noise, so a seam is plain to see
// unless the feather fades it: the feathered edit's boundary step must be far below the hard edge's.
TEST_F(GenerativeOps, ObjectReplaceWithAnInpaintingModelStaysInsideItsRegionAndFeatheringHidesTheSeam) {
  const Image photo = small_photo();
  const json params = {{"prompt", "a bowl of oranges"},
                       {"model", test::inpaint_model_folder().string()},
                       {"seed", 3},
                       {"steps", 3},
                       {"working_size", 128}};
  const SeamMeasure hard =
      run_and_check(photo, step("object.replace", {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", 0}}, params));
  const SeamMeasure feathered =
      run_and_check(photo, step("object.replace", {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", 8}}, params));
  EXPECT_LT(feathered.result_step, hard.result_step / 3);
  EXPECT_GT(hard.result_step, hard.source_step) << "a hard-edged random fill shows its seam";
}

TEST_F(GenerativeOps, ObjectAddWithAnOrdinaryModelBlendsLatentsAndStaysInsideItsRegion) {
  const Image photo = small_photo();
  run_and_check(photo, step("object.add", {{"region", "top-right"}, {"feather", 8}},
                            {{"prompt", "a red kite"},
                             {"model", (test::models() / "sd1").string()},
                             {"seed", 4},
                             {"steps", 3},
                             {"working_size", 128}}));
}

TEST_F(GenerativeOps, ObjectRemoveWithAModelInpaintsTheHoleGeneratively) {
  const Image photo = small_photo();
  run_and_check(photo, step("object.remove", {{"box", {0.35, 0.3, 0.3, 0.3}}, {"feather", 4}},
                            {{"method", "generative"},
                             {"model", test::inpaint_model_folder().string()},
                             {"seed", 7},
                             {"steps", 3},
                             {"working_size", 128}}));
}

TEST_F(GenerativeOps, ObjectRemoveWithoutAModelIsClassicalOnAutoAndACapabilityErrorWhenGenerativeIsAsked) {
  const Image photo = small_photo();
  const json box = {{"box", {0.35, 0.3, 0.3, 0.3}}};
  ResultCache cache;
  const EditOutcome classical = run_edit(photo, {step("object.remove", box, json::object())}, cache);
  EXPECT_EQ(classical.preservation.changed_pixels_outside, 0u);
  try {
    RunContext context;
    context.model_advice = "the caller's own advice";
    run_edit(photo, {step("object.remove", box, {{"method", "generative"}})}, cache, context);
    FAIL() << "expected a capability error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
    EXPECT_NE(std::string(error.what()).find("the caller's own advice"), std::string::npos) << error.what();
  }
}

// Multi-band blending inside the same feather: the generated colours fade out band by band, so the
// step across the region's boundary is lower than with the feathered paste alone.
TEST_F(GenerativeOps, MultiBandBlendingLowersTheSeamStepAgainstFeathering) {
  const Image photo = small_photo();
  json params = {{"prompt", "a bowl of oranges"},
                 {"model", test::inpaint_model_folder().string()},
                 {"seed", 3},
                 {"steps", 3},
                 {"working_size", 128}};
  for (const int feather : {0, 6}) {
    const json target = {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", feather}};
    params["blend"] = "feather";
    const SeamMeasure feathered = run_and_check(photo, step("object.replace", target, params));
    params["blend"] = "multiband";
    const SeamMeasure multiband = run_and_check(photo, step("object.replace", target, params));
    std::printf("  feather %d: seam step feathered %.2f, multi-band %.2f (source %.2f)\n", feather,
                feathered.result_step, multiband.result_step, feathered.source_step);
    EXPECT_LT(multiband.result_step, feathered.result_step) << "feather " << feather;
  }
}

// The step record names the diffusion model that ran (resolved), beside the segmenter when there is one.
TEST_F(GenerativeOps, TheStepRecordNamesTheDiffusionModelUsed) {
  const Image photo = small_photo();
  ResultCache cache;
  const auto outcome = run_edit(photo,
                                {step("object.add", {{"region", "center"}},
                                      {{"prompt", "a kite"},
                                       {"model", test::inpaint_model_folder().string()},
                                       {"steps", 2},
                                       {"working_size", 128}})},
                                cache);
  EXPECT_EQ(outcome.render.steps.at(0).model, "diffusion: " + test::inpaint_model_folder().string());
}

// Outpainting: the new margin is generated, every original pixel is the input's, bit for bit, and the
// step at the old border is measured against the photo's own step one pixel in.
TEST_F(GenerativeOps, CanvasExpandOutpaintsTheNewAreaAndKeepsEveryOriginalPixel) {
  const Image photo = small_photo();
  const cv::Mat original = photo.to_rgba8().mat();
  ResultCache cache;
  const json params = {{"left", 48}, {"top", 16},  {"model", test::inpaint_model_folder().string()},
                       {"seed", 2},  {"steps", 3}, {"working_size", 128}};
  const auto outcome = run_edit(photo, {step("canvas.expand", {{"region", "all"}}, params)}, cache);
  const cv::Mat result = outcome.render.state.image.mat();
  ASSERT_EQ(result.size(), cv::Size(original.cols + 48, original.rows + 16));
  cv::Mat difference;
  cv::absdiff(result(cv::Rect(48, 16, original.cols, original.rows)), original, difference);
  EXPECT_EQ(cv::countNonZero(difference.reshape(1)), 0) << "original pixels changed";
  EXPECT_EQ(outcome.render.steps.at(0).model, "diffusion: " + test::inpaint_model_folder().string())
      << "auto fill with a model is generative";
  // Not the mirrored fill: the margin is what the model drew.
  const auto reflect = run_edit(
      photo, {step("canvas.expand", {{"region", "all"}}, {{"left", 48}, {"top", 16}, {"fill", "reflect"}})}, cache);
  cv::Mat margin_difference;
  cv::absdiff(result(cv::Rect(0, 16, 48, original.rows)),
              reflect.render.state.image.mat()(cv::Rect(0, 16, 48, original.rows)), margin_difference);
  EXPECT_GT(cv::mean(margin_difference)[0], 2.0);
  // Seam at the old left border (x = 47 | 48) against the photo's own step between its columns 0 and 1;
  // multi-band blending of the generated margin into the mirrored one lowers it.
  const auto step_at_border = [&](const cv::Mat& expanded) {
    cv::Mat across;
    cv::absdiff(expanded(cv::Rect(47, 16, 1, original.rows)), expanded(cv::Rect(48, 16, 1, original.rows)), across);
    return (cv::mean(across)[0] + cv::mean(across)[1] + cv::mean(across)[2]) / 3;
  };
  cv::Mat within;
  cv::absdiff(original.col(0), original.col(1), within);
  const double own = (cv::mean(within)[0] + cv::mean(within)[1] + cv::mean(within)[2]) / 3;
  json multiband_params = params;
  multiband_params["blend"] = "multiband";
  const auto multiband = run_edit(photo, {step("canvas.expand", {{"region", "all"}}, multiband_params)}, cache);
  const double seam = step_at_border(result), multiband_seam = step_at_border(multiband.render.state.image.mat());
  std::printf(
      "  outpainting seam at the old border: step %.2f feathered, %.2f multi-band; the photo's own %.2f (0..255)\n",
      seam, multiband_seam, own);
  EXPECT_LT(multiband_seam, seam);
  cv::Mat multiband_difference;
  cv::absdiff(multiband.render.state.image.mat()(cv::Rect(48, 16, original.cols, original.rows)), original,
              multiband_difference);
  EXPECT_EQ(cv::countNonZero(multiband_difference.reshape(1)), 0) << "original pixels changed (multi-band)";
}

TEST_F(GenerativeOps, CanvasExpandWithoutAModelKeepsTheMirroredFill) {
  const Image photo = small_photo();
  ResultCache cache;
  const auto outcome = run_edit(photo, {step("canvas.expand", {{"region", "all"}}, {{"right", 30}})}, cache);
  EXPECT_EQ(outcome.render.state.image.width(), photo.width() + 30);
  EXPECT_TRUE(outcome.render.steps.at(0).model.empty());
  try {
    run_edit(photo, {step("canvas.expand", {{"region", "all"}}, {{"right", 30}, {"fill", "generative"}})}, cache);
    FAIL() << "expected a capability error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::capability);
  }
}

// A scene behind the subject: the background region is inpainted from the prompt, the subject (weight
// 0) stays bit-identical, and the record names both models.
TEST_F(GenerativeOps, BackgroundReplaceGeneratesASceneBehindTheSubject) {
  RunContext fallback;
  fallback.segmenter.policy = SegmenterPolicy::fallback;
  const Image photo = small_photo();
  const PlanStep replace = step("background.replace", {{"region", "background"}},
                                {{"fill", "generative"},
                                 {"prompt", "a sunny beach"},
                                 {"model", test::inpaint_model_folder().string()},
                                 {"seed", 8},
                                 {"steps", 3},
                                 {"working_size", 128}});
  run_and_check(photo, replace, fallback);
  ResultCache cache;
  const auto outcome = run_edit(photo, {replace}, cache, fallback);
  const std::string& model = outcome.render.steps.at(0).model;
  EXPECT_NE(model.find("segmentation: "), std::string::npos) << model;
  EXPECT_NE(model.find("diffusion: " + test::inpaint_model_folder().string()), std::string::npos) << model;
}

// Variations: the image's size, different from it, reproducible from the seed, different per seed.
TEST_F(GenerativeOps, VariationsAreImageToImageOfTheWholePictureSeededPerImage) {
  const Image photo = small_photo();
  const auto vary = [&](int seed) {
    ResultCache cache;
    return run_edit(photo,
                    {step("generate.variation", {{"region", "all"}},
                          {{"model", (test::models() / "sd1").string()}, {"seed", seed}, {"steps", 4}})},
                    cache)
        .render.state.image.mat();
  };
  const cv::Mat first = vary(1), again = vary(1), second = vary(2);
  ASSERT_EQ(first.size(), photo.to_rgba8().mat().size());
  EXPECT_EQ(cv::norm(first, again, cv::NORM_INF), 0) << "the same seed gives the same variation";
  EXPECT_GT(cv::norm(first, second, cv::NORM_L1) / static_cast<double>(first.total()), 1.0)
      << "another seed, another variation";
  EXPECT_GT(cv::norm(first, photo.to_rgba8().mat(), cv::NORM_L1) / static_cast<double>(first.total()), 1.0);
}

// text.replace with fill generative: the old letters' pixels are inpainted by the model (not Telea),
// the new word is typeset, and nothing outside the letters' window changes.
TEST_F(GenerativeOps, TextReplaceFillsUnderTheOldLettersGeneratively) {
  const Image photo = easel::test::load_photo("coffee.png");
  const json printed = {
      {"text", "OPEN"}, {"font", "bold sans"}, {"size", 64}, {"box_color", "#ffffffe0"}, {"color", "#202020"}};
  const json replace = {{"find", "OPEN"}, {"replace", "SHUT"}, {"font", "bold sans"}};
  json generative = replace;
  generative["model"] = test::inpaint_model_folder().string();
  generative["steps"] = 2;
  generative["working_size"] = 128;
  // The reference inpainting model has random weights: what it paints under the letters is noise, on
  // which the new word is (rightly) below the contrast minimum. The fill is what this test is about.
  generative["allow_low_contrast"] = true;
  ResultCache cache;
  const auto classical = run_edit(
      photo, {step("text.add", {{"region", "top"}}, printed), step("text.replace", {{"region", "all"}}, replace)},
      cache);
  const auto generated = run_edit(
      photo, {step("text.add", {{"region", "top"}}, printed), step("text.replace", {{"region", "all"}}, generative)},
      cache);
  EXPECT_EQ(generated.preservation.changed_pixels_outside, 0u);
  EXPECT_TRUE(classical.render.steps.at(1).model.empty());
  EXPECT_EQ(generated.render.steps.at(1).model, "diffusion: " + test::inpaint_model_folder().string());
  const cv::Mat differs = cv::Mat(classical.render.state.image.mat() != generated.render.state.image.mat()).reshape(1);
  EXPECT_GT(cv::countNonZero(differs), 100) << "the generative fill is not the classical one";
}

TEST_F(GenerativeOps, ImageToImageAndInstructionEditsStayInsideTheirRegion) {
  const Image photo = small_photo();
  run_and_check(photo, step("generate.img2img", {{"region", "left"}, {"feather", 8}},
                            {{"prompt", "a watercolour painting"},
                             {"model", (test::models() / "sd1").string()},
                             {"seed", 5},
                             {"steps", 4},
                             {"strength", 0.75}}));
  run_and_check(photo, step("generate.instruct", {{"region", "bottom"}, {"feather", 8}},
                            {{"prompt", "make it winter"},
                             {"model", test::instruct_model_folder().string()},
                             {"seed", 6},
                             {"steps", 3}}));
}

TEST_F(GenerativeOps, GenerateImageMakesAnImageOfTheAskedSize) {
  const Image photo = small_photo();
  ResultCache cache;
  const auto outcome = run_edit(photo,
                                {step("generate.image", {{"region", "all"}},
                                      {{"prompt", "a lighthouse"},
                                       {"width", 100},
                                       {"height", 60},
                                       {"model", (test::models() / "sd1").string()},
                                       {"steps", 2}})},
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

// The executor's result cache around generative steps: a step that runs the default model is
// recomputed when the default names another model, and a step served from the cache still names the
// model that made it — in memory and from a document's disk cache.
TEST_F(GenerativeOps, ChangingTheDefaultModelRecomputesAStepWithoutAModelOfItsOwn) {
  const Image photo = small_photo();
  ResultCache cache;
  const EditOutcome first =
      run_edit(photo, img2img_without_a_model(), cache, with_default_model(test::turbo_model_folder()));
  ASSERT_EQ(first.render.steps.size(), 1u);
  EXPECT_FALSE(first.render.steps[0].cached);
  EXPECT_NE(first.render.steps[0].model.find(test::turbo_model_folder().filename().string()), std::string::npos)
      << first.render.steps[0].model;

  const auto sd1 = test::sd_reference() / "models" / "sd1";
  const EditOutcome other = run_edit(photo, img2img_without_a_model(), cache, with_default_model(sd1));
  EXPECT_FALSE(other.render.steps[0].cached) << "another model's result was reused";
  EXPECT_NE(other.render.steps[0].model.find(sd1.string()), std::string::npos) << other.render.steps[0].model;
  EXPECT_GT(cv::norm(first.render.state.image.mat(), other.render.state.image.mat(), cv::NORM_INF), 0.0);
}

TEST_F(GenerativeOps, AStepFromTheCacheNamesItsModelInMemoryAndOnDisk) {
  const Image photo = small_photo();
  const RunContext turbo = with_default_model(test::turbo_model_folder());
  const auto folder = easel::test::temp_dir() / "document-cache";
  std::string made_by;
  {
    ResultCache cache(folder);
    const EditOutcome made = run_edit(photo, img2img_without_a_model(), cache, turbo);
    made_by = made.render.steps[0].model;
    ASSERT_FALSE(made_by.empty());
    const EditOutcome again = run_edit(photo, img2img_without_a_model(), cache, turbo);
    EXPECT_TRUE(again.render.steps[0].cached);
    EXPECT_EQ(again.render.steps[0].model, made_by);
  }
  ResultCache reopened(folder);
  const EditOutcome from_disk = run_edit(photo, img2img_without_a_model(), reopened, turbo);
  EXPECT_TRUE(from_disk.render.steps[0].cached);
  EXPECT_EQ(from_disk.render.steps[0].model, made_by);
}

// The promises every generative edit makes, for every model family: an ordinary and an inpainting model
// of each (SD1's and SDXL's tiny reference models).
struct FamilyModels {
  std::string family;
  std::filesystem::path ordinary;
  std::filesystem::path inpainting;
};

class GenerativeOpsByFamily : public GenerativeOps, public ::testing::WithParamInterface<FamilyModels> {};

TEST_P(GenerativeOpsByFamily, EveryEditLeavesThePixelsOutsideItsFeatheredRegionAsTheyWere) {
  const FamilyModels& models = GetParam();
  const Image photo = small_photo();
  const auto settings = [](const std::string& prompt, const std::filesystem::path& model, int seed) {
    return json{{"prompt", prompt}, {"model", model.string()}, {"seed", seed}, {"steps", 3}, {"working_size", 128}};
  };
  run_and_check(
      photo, step("object.add", {{"region", "top-right"}, {"feather", 8}}, settings("a red kite", models.ordinary, 4)));
  run_and_check(photo, step("object.replace", {{"box", {0.3, 0.3, 0.4, 0.35}}, {"feather", 8}},
                            settings("a bowl of oranges", models.inpainting, 3)));
  json remove = settings("", models.inpainting, 7);
  remove.erase("prompt");
  remove["method"] = "generative";
  run_and_check(photo, step("object.remove", {{"box", {0.35, 0.3, 0.3, 0.3}}, {"feather", 4}}, remove));
  json img2img = settings("a watercolour painting", models.ordinary, 5);
  img2img.erase("working_size");
  img2img["strength"] = 0.75;
  run_and_check(photo, step("generate.img2img", {{"region", "left"}, {"feather", 8}}, img2img));
}

INSTANTIATE_TEST_SUITE_P(Families, GenerativeOpsByFamily,
                         ::testing::Values(FamilyModels{"sd1", test::models() / "sd1", test::inpaint_model_folder()},
                                           FamilyModels{"sdxl", test::sdxl_model_folder("base"),
                                                        test::sdxl_model_folder("inpaint")}),
                         [](const auto& test_case) { return test_case.param.family; });

}  // namespace
}  // namespace easel::diffusion
