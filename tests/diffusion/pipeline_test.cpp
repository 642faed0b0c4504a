// Pipeline glue in test code (the product pipelines come later): reproduces the reference pipelines'
// final latents and decoded images from the supplied noise, and the seeded runs from the seed alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/scheduler.hpp"
#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/tokenizer.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/vae.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

// README tolerances for pipeline final latents and decoded images.
constexpr double rel_l2 = 1e-4;
constexpr double max_abs = 1e-3;

enum class Mode { text_to_image, image_to_image, inpaint, instruct };

struct PipelineRun {
  std::string name;
  Mode mode;
  std::string unet_model;  // models/<unet_model>/unet
  std::string base_model;  // text encoder, tokenizer padding and VAE: "sd1" or "sd2"
  std::string prompt;
  int steps;
  double guidance;
  double strength = 1.0;
  double image_guidance = 1.0;
};

struct Components {
  ClipTokenizer tokenizer;
  TextEncoder text_encoder;
  std::int64_t pad_id;
  Vae vae;
  UNet unet;
};

Components load_components(const std::string& base_model, const std::string& unet_model) {
  const auto models = test::models();
  const auto tokenizer_dir = test::sd_reference() / "tokenizer";
  return Components{
      ClipTokenizer::from_vocab_and_merges(tokenizer_dir / "vocab.json", tokenizer_dir / "merges.txt"),
      TextEncoder(read_component(models / base_model / "text_encoder" / "model.safetensors"),
                  TextEncoderConfig::from_json_file(models / base_model / "text_encoder" / "config.json")),
      base_model == "sd2" ? ClipTokenizer::sd2_pad_id : ClipTokenizer::sd1_pad_id,
      Vae(read_component(models / base_model / "vae" / "diffusion_pytorch_model.safetensors"),
          VaeConfig::from_json_file(models / base_model / "vae" / "config.json")),
      UNet(read_component(models / unet_model / "unet" / "diffusion_pytorch_model.safetensors"),
           UNetConfig::from_json_file(models / unet_model / "unet" / "config.json"))};
}

const nlohmann::json& manifest() {
  static const nlohmann::json json = [] {
    std::ifstream in(test::goldens() / "manifest.json");
    return nlohmann::json::parse(in);
  }();
  return json;
}

Scheduler make_scheduler(const nlohmann::json& resolved) {
  const auto path = easel::test::temp_dir() / "scheduler_config.json";
  std::ofstream(path) << resolved.dump();
  static const std::map<std::string, SamplerKind> classes = {{"EulerDiscreteScheduler", SamplerKind::euler},
                                                             {"EulerAncestralDiscreteScheduler", SamplerKind::euler_ancestral},
                                                             {"DPMSolverMultistepScheduler", SamplerKind::dpmpp_2m},
                                                             {"DDIMScheduler", SamplerKind::ddim},
                                                             {"LCMScheduler", SamplerKind::lcm}};
  SamplerKind kind = classes.at(resolved.at("_class_name").get<std::string>());
  if (kind == SamplerKind::dpmpp_2m && resolved.value("use_karras_sigmas", false)) kind = SamplerKind::dpmpp_2m_karras;
  return Scheduler(kind, SchedulerConfig::from_json_file(path));
}

at::Tensor encode_prompt(const Components& components, const std::string& prompt) {
  const auto ids = components.tokenizer.window(prompt, components.pad_id);
  return components.text_encoder.encode(at::tensor(at::ArrayRef<std::int64_t>(ids), at::kLong).unsqueeze(0));
}

struct Outcome {
  at::Tensor prompt_embeds;
  at::Tensor timesteps;
  at::Tensor final_latents;
  at::Tensor decoded;
};

// The reference pipelines' __call__, top to bottom: encode prompt → timesteps → latents → loop → decode.
// `noise` is consulted in the reference's order for every random draw.
Outcome generate(const Components& c, Scheduler& scheduler, const PipelineRun& run, const at::Tensor& image, const at::Tensor& mask,
                 const NoiseSource& noise, at::IntArrayRef latent_shape) {
  const bool guided = run.guidance > 1.0;
  const at::Tensor positive = encode_prompt(c, run.prompt);
  at::Tensor embeds = positive;
  if (guided) {
    const at::Tensor negative = encode_prompt(c, "");
    embeds = run.mode == Mode::instruct ? at::cat({positive, negative, negative}) : at::cat({negative, positive});
  }
  const std::int64_t copies = embeds.size(0);
  const double scale = c.vae.scaling_factor();

  scheduler.set_timesteps(run.steps);
  std::size_t first_step = 0;
  at::Tensor latents;
  at::Tensor extra_channels;  // inpaint: mask and masked-image latents; instruct: image latents
  if (run.mode == Mode::image_to_image) {
    const int kept = std::min(static_cast<int>(run.steps * run.strength), run.steps);
    first_step = static_cast<std::size_t>(std::max(run.steps - kept, 0));
    const auto distribution = c.vae.encode(image);
    const at::Tensor clean = distribution.sample(noise(latent_shape, true)) * scale;
    latents = scheduler.add_noise(clean, noise(latent_shape, true), first_step);
  } else {
    latents = noise(latent_shape, true) * scheduler.init_noise_sigma();
  }
  if (run.mode == Mode::inpaint) {
    const at::Tensor small_mask = at::upsample_nearest2d(mask, {latent_shape[2], latent_shape[3]});
    const at::Tensor masked_image = image * (mask < 0.5);
    const at::Tensor masked_latents = c.vae.encode(masked_image).sample(noise(latent_shape, true)) * scale;
    extra_channels = at::cat({small_mask, masked_latents}, 1).repeat({copies, 1, 1, 1});
  } else if (run.mode == Mode::instruct) {
    const at::Tensor image_latents = c.vae.encode(image).mode();
    extra_channels = guided ? at::cat({image_latents, image_latents, at::zeros_like(image_latents)}) : image_latents;
  }

  for (std::size_t i = first_step; i < static_cast<std::size_t>(scheduler.timesteps().size(0)); ++i) {
    const at::Tensor timestep = scheduler.timesteps()[static_cast<std::int64_t>(i)];
    const at::Tensor model_input = latents.repeat({copies, 1, 1, 1});
    at::Tensor unet_input = scheduler.scale_model_input(model_input, i);
    if (extra_channels.defined()) unet_input = at::cat({unet_input, extra_channels}, 1);
    at::Tensor prediction = c.unet.forward(unet_input, timestep, embeds);
    if (run.mode == Mode::instruct) {
      // The reference guides on x0 = x − σ·ε with sigma schedulers and converts back.
      const at::Tensor sigma = scheduler.sigmas()[static_cast<std::int64_t>(i)];
      prediction = model_input - sigma * prediction;
      if (guided) {
        const auto parts = prediction.chunk(3);
        prediction = parts[2] + run.guidance * (parts[0] - parts[1]) + run.image_guidance * (parts[1] - parts[2]);
      }
      prediction = (prediction - latents) / (-sigma);
    } else if (guided) {
      const auto parts = prediction.chunk(2);
      prediction = parts[0] + run.guidance * (parts[1] - parts[0]);
    }
    latents = scheduler.step(prediction, i, latents, noise).prev_sample;
  }
  const at::Tensor timesteps = scheduler.timesteps().slice(0, static_cast<std::int64_t>(first_step)).to(at::kFloat);
  return {embeds, timesteps, latents, c.vae.decode(latents / scale)};
}

// GoogleTest names allow only letters, digits and underscores.
std::string test_name(std::string name) {
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

// The reference's PNG is round(255 · clamp(decoded / 2 + 0.5, 0, 1)); README: ≤ 1 LSB on ≤ 0.5 % of values.
void expect_png_matches(const at::Tensor& decoded, const std::filesystem::path& png) {
  const cv::Mat bgr = cv::imread(png.string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(bgr.empty()) << png;
  const at::Tensor ours = at::round((decoded / 2 + 0.5).clamp(0, 1) * 255).to(at::kInt)[0].permute({1, 2, 0}).contiguous();
  ASSERT_EQ(ours.size(0), bgr.rows);
  ASSERT_EQ(ours.size(1), bgr.cols);
  std::int64_t differing = 0;
  int worst = 0;
  const int* values = ours.data_ptr<int>();
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const auto pixel = bgr.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) {
        const int difference = std::abs(values[(y * bgr.cols + x) * 3 + c] - pixel[2 - c]);
        worst = std::max(worst, difference);
        differing += difference > 0;
      }
    }
  }
  const double fraction = static_cast<double>(differing) / static_cast<double>(ours.numel());
  std::printf("  agreement %-48s %lld values differ (max %d LSB)\n", png.filename().c_str(), static_cast<long long>(differing), worst);
  EXPECT_LE(worst, 1) << png;
  EXPECT_LE(fraction, 0.005) << png;
}

class PipelineGolden : public ::testing::TestWithParam<PipelineRun> {};

TEST_P(PipelineGolden, MatchesTheReference) {
  const PipelineRun& run = GetParam();
  const std::string file = "pipelines/" + run.name + ".safetensors";
  const SafetensorsFile golden(test::goldens() / file);
  const SafetensorsFile inputs(test::goldens() / "pipelines" / "inputs.safetensors");
  Components components = load_components(run.base_model, run.unet_model);
  Scheduler scheduler = make_scheduler(manifest()["files"][file]["scheduler"]);
  int drawn = 0;
  const NoiseSource feeder = [&](at::IntArrayRef, bool used) {
    return used ? test::golden(golden, "noise." + std::to_string(drawn++)) : at::Tensor();
  };
  const at::Tensor final_expected = test::golden(golden, "final_latents");
  const Outcome outcome = generate(components, scheduler, run, test::golden(inputs, "input_image"), test::golden(inputs, "input_mask"), feeder,
                                   final_expected.sizes());
  test::expect_close(outcome.prompt_embeds, test::golden(golden, "prompt_embeds_unet_batch"), 1e-5, 1e-4, run.name + " prompt embeds");
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, run.name + " timesteps");
  test::expect_close(outcome.final_latents, final_expected, rel_l2, max_abs, run.name + " final_latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), rel_l2, max_abs, run.name + " decoded");
  expect_png_matches(outcome.decoded, test::goldens() / "pipelines" / (run.name + ".png"));
}

INSTANTIATE_TEST_SUITE_P(
    Runs, PipelineGolden,
    ::testing::Values(PipelineRun{"sd1_t2i_euler_g7.5_s20", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd1_t2i_ddim_g7.5_s20", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd1_t2i_dpmpp2m_karras_g7.5_s20", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd1_t2i_dpmpp2m_g7.5_s8", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 8, 7.5},
                      PipelineRun{"sd1_t2i_eulera_g7.5_s20", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd1_t2i_lcm_g1.0_s4", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 4, 1.0},
                      PipelineRun{"sd1_t2i_euler_g1.0_s4", Mode::text_to_image, "sd1", "sd1", "a photo of a cat", 4, 1.0},
                      PipelineRun{"sd2v_t2i_ddim_g7.5_s20", Mode::text_to_image, "sd2", "sd2", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd2v_t2i_euler_g7.5_s20", Mode::text_to_image, "sd2", "sd2", "a photo of a cat", 20, 7.5},
                      PipelineRun{"sd2turbo_t2i_euler_trailing_g0_s1", Mode::text_to_image, "sd2", "sd2", "a photo of a cat", 1, 0.0},
                      PipelineRun{"sd2turbo_i2i_euler_trailing_g0_s2_str0.5", Mode::image_to_image, "sd2", "sd2", "a photo of a cat", 2, 0.0, 0.5},
                      PipelineRun{"sd1_i2i_euler_g7.5_s20_str0.6", Mode::image_to_image, "sd1", "sd1", "a photo of a cat", 20, 7.5, 0.6},
                      PipelineRun{"inpaint_euler_g7.5_s20", Mode::inpaint, "inpaint", "sd1", "a photo of a cat", 20, 7.5},
                      PipelineRun{"ip2p_euler_g7.5_ig1.5_s20", Mode::instruct, "ip2p", "sd1", "Add the text \"Morning Blend\"", 20, 7.5, 1.0, 1.5}),
    [](const auto& test_case) { return test_name(test_case.param.name); });

struct SeededRun {
  std::string name;
  std::string model;
  std::string scheduler_config;  // relative to models/<model>/
  std::string prompt;
  int steps;
  double guidance;
  std::uint64_t seed;
};

class SeededGolden : public ::testing::TestWithParam<SeededRun> {};

TEST_P(SeededGolden, SeedAloneReproducesTheReference) {
  const SeededRun& seeded = GetParam();
  const SafetensorsFile golden(test::goldens() / "seeded" / (seeded.name + ".safetensors"));
  Components components = load_components(seeded.model, seeded.model);
  Scheduler scheduler(SamplerKind::euler, SchedulerConfig::from_json_file(test::models() / seeded.model / seeded.scheduler_config));

  // The first draw is the initial noise, bit for bit.
  EXPECT_TRUE(at::equal(SeededNoise(seeded.seed).draw({1, 4, 8, 8}), test::golden(golden, "draw.0")));

  SeededNoise noise(seeded.seed);
  const PipelineRun run{seeded.name, Mode::text_to_image, seeded.model, seeded.model, seeded.prompt, seeded.steps, seeded.guidance};
  const Outcome outcome = generate(components, scheduler, run, {}, {}, noise.source(), {1, 4, 8, 8});
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, seeded.name + " timesteps");
  test::expect_close(outcome.final_latents, test::golden(golden, "final_latents"), rel_l2, max_abs, seeded.name + " final_latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), rel_l2, max_abs, seeded.name + " decoded");
  test::expect_close((outcome.decoded / 2 + 0.5).clamp(0, 1), test::golden(golden, "image_float"), rel_l2, max_abs, seeded.name + " image_float");
  expect_png_matches(outcome.decoded, test::goldens() / "seeded" / (seeded.name + ".png"));
}

INSTANTIATE_TEST_SUITE_P(Runs, SeededGolden,
                         ::testing::Values(SeededRun{"sd1_t2i_euler_g7.5_s8_seed1234", "sd1", "scheduler/scheduler_config.json",
                                                     "a red bicycle leaning on a brick wall", 8, 7.5, 1234},
                                           SeededRun{"sd2turbo_t2i_euler_trailing_g0_s1_seed42", "sd2",
                                                     "scheduler_variants/euler_epsilon_trailing_turbo.json",
                                                     "a cup of coffee on a wooden table", 1, 0.0, 42}),
                         [](const auto& test_case) { return test_name(test_case.param.name); });

}  // namespace
}  // namespace easel::diffusion
