#include "easel/diffusion/model.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "easel/core/error.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

using test::expect_error;

// Same inputs through both layouts of a model: every component gives identical outputs.
void expect_identical(const StableDiffusionModel& a, const StableDiffusionModel& b) {
  EXPECT_EQ(a.family, b.family);
  EXPECT_EQ(a.pad_id, b.pad_id);
  at::manual_seed(7);
  const at::Tensor ids = at::tensor(at::ArrayRef<std::int64_t>(a.tokenizer.window("a photo of a cat!", a.pad_id)), at::kLong).unsqueeze(0);
  EXPECT_EQ(a.tokenizer.window("a photo of a cat!", a.pad_id), b.tokenizer.window("a photo of a cat!", b.pad_id));
  const at::Tensor context = a.text_encoder.encode(ids);
  EXPECT_TRUE(at::equal(context, b.text_encoder.encode(ids)));
  const at::Tensor latents = at::randn({1, 4, 6, 10});
  const at::Tensor timestep = at::full({}, 946.42102f);
  EXPECT_TRUE(at::equal(a.unet.forward(latents, timestep, context), b.unet.forward(latents, timestep, context)));
  EXPECT_TRUE(at::equal(a.vae.decode(latents), b.vae.decode(latents)));
}

TEST(Model, BothLayoutsOfSd1LoadIdentically) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  const StableDiffusionModel folder = load_model(test::models() / "sd1", options);
  options.norm_groups = 8;
  options.unet_heads = std::vector<std::int64_t>{4};
  options.text_heads = 4;
  const StableDiffusionModel single = load_model(test::models() / "sd1.safetensors", options);
  EXPECT_EQ(folder.family, ModelFamily::sd1);
  expect_identical(folder, single);
}

TEST(Model, BothLayoutsOfSd2LoadIdentically) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  const StableDiffusionModel folder = load_model(test::models() / "sd2", options);
  EXPECT_EQ(folder.family, ModelFamily::sd2);
  EXPECT_EQ(folder.scheduler.prediction, PredictionType::v_prediction);
  options.norm_groups = 8;
  options.unet_heads = std::vector<std::int64_t>{2, 4};
  options.text_heads = 2;
  options.prediction = PredictionType::v_prediction;
  expect_identical(folder, load_model(test::models() / "sd2.safetensors", options));
}

TEST(Model, LongPromptsAreEncodedInWindowsOf75Tokens) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  const StableDiffusionModel model = load_model(test::models() / "sd1", options);
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "cat ";
  const at::Tensor states = encode_prompt(model, prompt);
  EXPECT_EQ(states.sizes(), (at::IntArrayRef{1, 154, 32}));
  const auto first = model.tokenizer.window(prompt, model.pad_id);
  const at::Tensor first_states = model.text_encoder.encode(at::tensor(at::ArrayRef<std::int64_t>(first), at::kLong).unsqueeze(0));
  EXPECT_TRUE(at::equal(states.slice(1, 0, 77), first_states));
  EXPECT_EQ(encode_prompt(model, "a photo of a cat").sizes(), (at::IntArrayRef{1, 77, 32}));
  // The UNet takes any number of context tokens.
  EXPECT_EQ(model.unet.forward(at::zeros({1, 4, 6, 10}), at::zeros({}), states).sizes(), (at::IntArrayRef{1, 4, 6, 10}));
}

TEST(Model, UnetOnlyFolderTakesTheRestFromItsBase) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  options.base_folder = test::models() / "sd1";
  const StableDiffusionModel inpaint = load_model(test::models() / "inpaint", options);
  EXPECT_EQ(inpaint.unet.in_channels(), 9);
  expect_error([&] { load_model(test::models() / "inpaint", ModelOptions{}); }, ErrorKind::capability, "text_encoder");
}

TEST(Model, MissingAndUnsafeFilesAreSpecificErrors) {
  expect_error([] { load_model(test::models() / "no-such-model.safetensors"); }, ErrorKind::capability, "no-such-model.safetensors");
  const auto pickle = easel::test::temp_dir() / "model.ckpt";
  std::ofstream(pickle) << "not loaded";
  expect_error([&] { load_model(pickle); }, ErrorKind::input, ".safetensors");
  // A file of goldens is a valid safetensors file but no model: the error names what is missing.
  expect_error([] { load_model(test::goldens() / "unet_sd1.safetensors"); }, ErrorKind::input, "holds no text encoder");
}

TEST(Model, WeightsThatDoNotFitNameTheFirstTensor) {
  Weights weights = read_component(test::models() / "sd1" / "unet" / "diffusion_pytorch_model.safetensors");
  weights.add("down_blocks.1.resnets.0.conv1.weight", at::zeros({32, 24, 3, 3}));
  expect_error([&] { UNet(weights, UNetConfig::from_json_file(test::models() / "sd1" / "unet" / "config.json")); }, ErrorKind::input,
               "tensor 'down_blocks.1.resnets.0.conv1.weight' of shape (32, 24, 3, 3) does not fit");
  Weights vae = read_single_file_vae(test::models() / "sd1.safetensors");
  vae.add("decoder.up_blocks.2.resnets.0.norm1.weight", at::ones({16}));
  expect_error([&] { Vae(vae, VaeConfig{8, 0.18215}); }, ErrorKind::input, "tensor 'decoder.up_blocks.2.resnets.0.norm1.bias'");
}

}  // namespace
}  // namespace easel::diffusion
