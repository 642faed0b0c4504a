// The product pipelines on SDXL models against ../shared/reference/sdxl: the nine golden pipelines
// (text-to-image with and without a negative prompt, DPM++ 2M Karras, micro-conditioning, SDXL-Turbo,
// image-to-image, the refiner's aesthetic-score conditioning, 9-channel and 4-channel inpainting) with
// their recorded noise, from the diffusers folders and from the single files, and the seeded runs from
// the seed alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;

// README tolerances: pipeline final latents and decoded images; prompt embeds and pooled; time ids exact.
constexpr double rel_l2 = 1e-4;
constexpr double max_abs = 1e-3;
constexpr double text_rel_l2 = 1e-5;
constexpr double text_max_abs = 1e-4;

fs::path sdxl_goldens() { return test::sdxl_reference() / "goldens"; }

struct SdxlRun {
  std::string name;
  PipelineMode mode;
  std::string model;  // base, inpaint or refiner
  int steps;
  double guidance;
  double strength = 1.0;
  std::string negative_prompt;
  bool single_file = false;
};

StableDiffusionModel load_sdxl(const std::string& model, bool single_file) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  return load_model(single_file ? test::sdxl_single_file(model == "base" ? "sdxl_base" : "sdxl_" + model + "_unet_only")
                                : test::sdxl_model_folder(model),
                    options);
}

const nlohmann::json& manifest() {
  static const nlohmann::json json = [] {
    std::ifstream in(sdxl_goldens() / "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

class SdxlPipelineGolden : public ::testing::TestWithParam<SdxlRun> {};

TEST_P(SdxlPipelineGolden, MatchesTheReference) {
  const SdxlRun& run = GetParam();
  const std::string file = "pipelines/" + run.name + ".safetensors";
  const SafetensorsFile golden(sdxl_goldens() / file);
  const SafetensorsFile inputs(sdxl_goldens() / "pipelines" / "inputs.safetensors");
  const nlohmann::json& recorded = manifest()["files"][file];
  StableDiffusionModel model = load_sdxl(run.model, run.single_file);
  ASSERT_TRUE(model.sdxl.has_value());
  EXPECT_EQ(model.family, ModelFamily::sdxl);
  model.scheduler = test::scheduler_config(recorded["scheduler"]);

  PipelineInput input;
  input.mode = run.mode;
  input.prompt = "a photo of a cat";
  input.negative_prompt = run.negative_prompt;
  input.steps = run.steps;
  input.guidance = run.guidance;
  input.strength = run.strength;
  input.sampler = model.scheduler.sampler;
  input.height = recorded["height"];
  input.width = recorded["width"];
  if (recorded.contains("original_size")) {
    input.original_size = recorded["original_size"].get<std::array<std::int64_t, 2>>();
    input.crop_top_left = recorded["crops_coords_top_left"].get<std::array<std::int64_t, 2>>();
    input.target_size = recorded["target_size"].get<std::array<std::int64_t, 2>>();
  }
  if (recorded.contains("aesthetic_score")) {
    input.aesthetic_score = recorded["aesthetic_score"];
    input.negative_aesthetic_score = recorded["negative_aesthetic_score"];
  }
  if (run.mode != PipelineMode::text_to_image) input.image = test::golden(inputs, "input_image");
  if (run.mode == PipelineMode::inpaint) input.mask = test::golden(inputs, "input_mask");
  int drawn = 0;
  const NoiseSource feeder = [&](at::IntArrayRef, bool used) {
    return used ? test::golden(golden, "noise." + std::to_string(drawn++)) : at::Tensor();
  };
  const PipelineOutput outcome = run_pipeline(model, input, feeder);

  test::expect_close(outcome.prompt_embeds, test::golden(golden, "prompt_embeds_unet_batch"), text_rel_l2, text_max_abs,
                     run.name + " prompt embeds");
  test::expect_close(outcome.added.text_embeds, test::golden(golden, "add_text_embeds_unet_batch"), text_rel_l2,
                     text_max_abs, run.name + " pooled embeds");
  EXPECT_TRUE(at::equal(outcome.added.time_ids, test::golden(golden, "add_time_ids_unet_batch")))
      << run.name << " time ids " << outcome.added.time_ids;
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, run.name + " timesteps");
  test::expect_close(outcome.latents, test::golden(golden, "final_latents"), rel_l2, max_abs,
                     run.name + " final_latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), rel_l2, max_abs, run.name + " decoded");
  test::expect_png_matches(outcome.decoded, sdxl_goldens() / "pipelines" / (run.name + ".png"));
}

std::vector<SdxlRun> sdxl_runs(bool single_file) {
  using Mode = PipelineMode;
  std::vector<SdxlRun> runs = {
      {"xl_t2i_euler_g5_s8", Mode::text_to_image, "base", 8, 5.0, 1.0, ""},
      {"xl_t2i_euler_g5_s8_neg", Mode::text_to_image, "base", 8, 5.0, 1.0, "blurry, low quality"},
      {"xl_t2i_dpmpp2m_karras_g5_s8", Mode::text_to_image, "base", 8, 5.0, 1.0, ""},
      {"xl_t2i_euler_g5_s8_64x96_microcond", Mode::text_to_image, "base", 8, 5.0, 1.0, ""},
      {"xlturbo_t2i_eulera_trailing_g0_s1", Mode::text_to_image, "base", 1, 0.0, 1.0, ""},
      {"xl_i2i_euler_g5_s8_str0.6", Mode::image_to_image, "base", 8, 5.0, 0.6, ""},
      {"xlrefiner_i2i_euler_g5_s10_str0.3_aes6", Mode::image_to_image, "refiner", 10, 5.0, 0.3, ""},
      {"xl_inpaint9ch_euler_g5_s8", Mode::inpaint, "inpaint", 8, 5.0, 1.0, ""},
      // diffusers' SDXL inpainting default strength: int(8 · 0.9999) = 7 steps from the image's latents.
      {"xl_inpaint4ch_euler_g5_s8_strdefault", Mode::inpaint, "base", 8, 5.0, 0.9999, ""}};
  for (auto& run : runs) run.single_file = single_file;
  return runs;
}

INSTANTIATE_TEST_SUITE_P(Folders, SdxlPipelineGolden, ::testing::ValuesIn(sdxl_runs(false)),
                         [](const auto& test_case) { return test::test_name(test_case.param.name); });
INSTANTIATE_TEST_SUITE_P(SingleFiles, SdxlPipelineGolden, ::testing::ValuesIn(sdxl_runs(true)),
                         [](const auto& test_case) { return test::test_name(test_case.param.name); });

struct SdxlSeededRun {
  std::string name;
  std::string scheduler_config;  // relative to models/base
  std::string prompt;
  int steps;
  double guidance;
  std::uint64_t seed;
};

class SdxlSeededGolden : public ::testing::TestWithParam<std::tuple<SdxlSeededRun, bool>> {};

TEST_P(SdxlSeededGolden, SeedAloneReproducesTheReference) {
  const SdxlSeededRun& seeded = std::get<0>(GetParam());
  const SafetensorsFile golden(sdxl_goldens() / "seeded" / (seeded.name + ".safetensors"));
  StableDiffusionModel model = load_sdxl("base", std::get<1>(GetParam()));
  model.scheduler =
      SchedulerConfig::from_json_file(test::sdxl_reference() / "models" / "base" / seeded.scheduler_config);
  SeededNoise noise(seeded.seed);
  PipelineInput input;
  input.prompt = seeded.prompt;
  input.steps = seeded.steps;
  input.guidance = seeded.guidance;
  input.sampler = model.scheduler.sampler;
  input.width = 64;
  input.height = 64;
  const PipelineOutput outcome = run_pipeline(model, input, noise.source());
  test::expect_close(outcome.latents, test::golden(golden, "final_latents"), rel_l2, max_abs,
                     seeded.name + " final_latents");
  test::expect_close(outcome.images(), test::golden(golden, "image_float"), rel_l2, max_abs,
                     seeded.name + " image_float");
  test::expect_png_matches(outcome.decoded, sdxl_goldens() / "seeded" / (seeded.name + ".png"));
}

INSTANTIATE_TEST_SUITE_P(
    Runs, SdxlSeededGolden,
    ::testing::Combine(::testing::Values(SdxlSeededRun{"xl_t2i_euler_g5_s8_seed1234", "scheduler/scheduler_config.json",
                                                       "a red bicycle leaning on a brick wall", 8, 5.0, 1234},
                                         SdxlSeededRun{"xlturbo_t2i_eulera_trailing_g0_s1_seed42",
                                                       "scheduler_variants/euler_ancestral_trailing_turbo.json",
                                                       "a cup of coffee on a wooden table", 1, 0.0, 42}),
                       ::testing::Bool()),
    [](const auto& test_case) {
      return test::test_name(std::get<0>(test_case.param).name) + (std::get<1>(test_case.param) ? "_single_file" : "");
    });

TEST(SdxlModels, TheRefinerConditionsOnTheOpenClipEncoderAloneAndAnAestheticScore) {
  for (const bool single_file : {false, true}) {
    const StableDiffusionModel refiner = load_sdxl("refiner", single_file);
    ASSERT_TRUE(refiner.sdxl.has_value());
    EXPECT_FALSE(refiner.sdxl->encoders.has_clip_l()) << single_file;
    EXPECT_TRUE(refiner.sdxl->aesthetic_time_ids) << single_file;
    EXPECT_FALSE(refiner.sdxl->zeros_for_empty_negative) << single_file;
    const StableDiffusionModel base = load_sdxl("base", single_file);
    EXPECT_TRUE(base.sdxl->encoders.has_clip_l());
    EXPECT_FALSE(base.sdxl->aesthetic_time_ids);
    EXPECT_TRUE(base.sdxl->zeros_for_empty_negative);
  }
}

TEST(SdxlModels, InstructionEditsAreRefusedWithTheReason) {
  const StableDiffusionModel model = load_sdxl("base", false);
  PipelineInput input;
  input.mode = PipelineMode::instruct;
  input.prompt = "make it blue";
  input.image = at::zeros({1, 3, 64, 64});
  test::expect_error([&] { run_pipeline(model, input, SeededNoise(1).source()); }, ErrorKind::usage,
                     "SD1/SD2 models only");
}

TEST(SdxlModels, AnSdxlUnetWithAnSd1BaseIsRefusedNamingTheFamilies) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  options.base = test::models() / "sd1";
  test::expect_error([&] { load_model(test::sdxl_reference() / "models" / "inpaint", options); }, ErrorKind::input,
                     "a base must be of the model's family");
}

}  // namespace
}  // namespace easel::diffusion
