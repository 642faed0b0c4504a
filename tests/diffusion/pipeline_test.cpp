// The product pipelines (easel/diffusion/pipeline.hpp) against the reference runs: the 14 golden
// pipelines with their recorded noise fed through the NoiseSource interface, and the seeded runs from
// the seed alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

// README tolerances for pipeline final latents and decoded images.
constexpr double rel_l2 = 1e-4;
constexpr double max_abs = 1e-3;

struct PipelineRun {
  std::string name;
  PipelineMode mode;
  std::string model;  // models/<model>; the inpaint and ip2p folders take their other parts from sd1
  std::string prompt;
  int steps;
  double guidance;
  double strength = 1.0;
  double image_guidance = 1.0;
  bool single_file = false;  // the model's single file with its sidecar instead of its diffusers folder
};

// The reference's folders and single files hold the same weights (README: converted back bit-exactly),
// so both give the same goldens.
StableDiffusionModel load_reference_model(const std::string& name, bool single_file) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  if (single_file)
    return load_model(test::single_file_model(name == "inpaint" || name == "ip2p" ? name + "_unet_only" : name),
                      options);
  options.base = test::models() / "sd1";
  return load_model(test::models() / name, options);
}

const nlohmann::json& manifest() {
  static const nlohmann::json json = [] {
    std::ifstream in(test::goldens() / "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

PipelineInput pipeline_input(const PipelineRun& run, const SchedulerConfig& scheduler) {
  PipelineInput input;
  input.mode = run.mode;
  input.prompt = run.prompt;
  input.steps = run.steps;
  input.guidance = run.guidance;
  input.strength = run.strength;
  input.image_guidance = run.image_guidance;
  input.sampler = scheduler.sampler;
  return input;
}

class PipelineGolden : public ::testing::TestWithParam<PipelineRun> {};

TEST_P(PipelineGolden, MatchesTheReference) {
  const PipelineRun& run = GetParam();
  const std::string file = "pipelines/" + run.name + ".safetensors";
  const SafetensorsFile golden(test::goldens() / file);
  const SafetensorsFile inputs(test::goldens() / "pipelines" / "inputs.safetensors");
  StableDiffusionModel model = load_reference_model(run.model, run.single_file);
  model.scheduler = test::scheduler_config(manifest()["files"][file]["scheduler"]);
  PipelineInput input = pipeline_input(run, model.scheduler);
  const at::Tensor final_expected = test::golden(golden, "final_latents");
  input.width = final_expected.size(3) * 8;
  input.height = final_expected.size(2) * 8;
  if (run.mode != PipelineMode::text_to_image) input.image = test::golden(inputs, "input_image");
  if (run.mode == PipelineMode::inpaint) input.mask = test::golden(inputs, "input_mask");
  int drawn = 0;
  const NoiseSource feeder = [&](at::IntArrayRef, bool used) {
    return used ? test::golden(golden, "noise." + std::to_string(drawn++)) : at::Tensor();
  };
  int reported = -1;
  PipelineCallbacks callbacks;
  callbacks.on_step = [&](int done, int total) {
    EXPECT_EQ(done, reported + 1);
    EXPECT_EQ(total, test::golden(golden, "timesteps").size(0));
    reported = done;
  };
  const PipelineOutput outcome = run_pipeline(model, input, feeder, callbacks);
  EXPECT_EQ(reported, outcome.timesteps.size(0)) << "a progress report as denoising starts and after each step";
  test::expect_close(outcome.prompt_embeds, test::golden(golden, "prompt_embeds_unet_batch"), 1e-5, 1e-4,
                     run.name + " prompt embeds");
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, run.name + " timesteps");
  test::expect_close(outcome.latents, final_expected, rel_l2, max_abs, run.name + " final_latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), rel_l2, max_abs, run.name + " decoded");
  test::expect_png_matches(outcome.decoded, test::goldens() / "pipelines" / (run.name + ".png"));
}

std::vector<PipelineRun> pipeline_runs(bool single_file) {
  std::vector<PipelineRun> runs = {
      PipelineRun{"sd1_t2i_euler_g7.5_s20", PipelineMode::text_to_image, "sd1", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd1_t2i_ddim_g7.5_s20", PipelineMode::text_to_image, "sd1", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd1_t2i_dpmpp2m_karras_g7.5_s20", PipelineMode::text_to_image, "sd1", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd1_t2i_dpmpp2m_g7.5_s8", PipelineMode::text_to_image, "sd1", "a photo of a cat", 8, 7.5},
      PipelineRun{"sd1_t2i_eulera_g7.5_s20", PipelineMode::text_to_image, "sd1", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd1_t2i_lcm_g1.0_s4", PipelineMode::text_to_image, "sd1", "a photo of a cat", 4, 1.0},
      PipelineRun{"sd1_t2i_euler_g1.0_s4", PipelineMode::text_to_image, "sd1", "a photo of a cat", 4, 1.0},
      PipelineRun{"sd2v_t2i_ddim_g7.5_s20", PipelineMode::text_to_image, "sd2", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd2v_t2i_euler_g7.5_s20", PipelineMode::text_to_image, "sd2", "a photo of a cat", 20, 7.5},
      PipelineRun{"sd2turbo_t2i_euler_trailing_g0_s1", PipelineMode::text_to_image, "sd2", "a photo of a cat", 1, 0.0},
      PipelineRun{"sd2turbo_i2i_euler_trailing_g0_s2_str0.5", PipelineMode::image_to_image, "sd2", "a photo of a cat",
                  2, 0.0, 0.5},
      PipelineRun{"sd1_i2i_euler_g7.5_s20_str0.6", PipelineMode::image_to_image, "sd1", "a photo of a cat", 20, 7.5,
                  0.6},
      PipelineRun{"inpaint_euler_g7.5_s20", PipelineMode::inpaint, "inpaint", "a photo of a cat", 20, 7.5},
      PipelineRun{"ip2p_euler_g7.5_ig1.5_s20", PipelineMode::instruct, "ip2p", "Add the text \"Morning Blend\"", 20,
                  7.5, 1.0, 1.5}};
  for (auto& run : runs) run.single_file = single_file;
  return runs;
}

INSTANTIATE_TEST_SUITE_P(Runs, PipelineGolden, ::testing::ValuesIn(pipeline_runs(false)),
                         [](const auto& test_case) { return test::test_name(test_case.param.name); });
INSTANTIATE_TEST_SUITE_P(SingleFiles, PipelineGolden, ::testing::ValuesIn(pipeline_runs(true)),
                         [](const auto& test_case) { return test::test_name(test_case.param.name); });

class SeededGolden : public ::testing::TestWithParam<std::tuple<test::SeededRun, bool>> {};

TEST_P(SeededGolden, SeedAloneReproducesTheReference) {
  const test::SeededRun& seeded = std::get<0>(GetParam());
  const SafetensorsFile golden(test::goldens() / "seeded" / (seeded.name + ".safetensors"));
  StableDiffusionModel model = load_reference_model(seeded.model, std::get<1>(GetParam()));
  model.scheduler = SchedulerConfig::from_json_file(test::models() / seeded.model / seeded.scheduler_config);

  // The first draw is the initial noise, bit for bit.
  EXPECT_TRUE(at::equal(SeededNoise(seeded.seed).draw({1, 4, 8, 8}), test::golden(golden, "draw.0")));

  SeededNoise noise(seeded.seed);
  PipelineInput input = pipeline_input(
      {seeded.name, PipelineMode::text_to_image, seeded.model, seeded.prompt, seeded.steps, seeded.guidance},
      model.scheduler);
  input.width = 64;
  input.height = 64;
  const PipelineOutput outcome = run_pipeline(model, input, noise.source());
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, seeded.name + " timesteps");
  test::expect_close(outcome.latents, test::golden(golden, "final_latents"), rel_l2, max_abs,
                     seeded.name + " final_latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), rel_l2, max_abs, seeded.name + " decoded");
  test::expect_close(outcome.images(), test::golden(golden, "image_float"), rel_l2, max_abs,
                     seeded.name + " image_float");
  test::expect_png_matches(outcome.decoded, test::goldens() / "seeded" / (seeded.name + ".png"));
}

INSTANTIATE_TEST_SUITE_P(Runs, SeededGolden,
                         ::testing::Combine(::testing::ValuesIn(test::seeded_runs()), ::testing::Bool()),
                         [](const auto& test_case) {
                           return test::test_name(std::get<0>(test_case.param).name) +
                                  (std::get<1>(test_case.param) ? "_single_file" : "");
                         });

}  // namespace
}  // namespace easel::diffusion
