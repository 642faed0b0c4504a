#include "easel/diffusion/model.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

namespace fs = std::filesystem;
using test::expect_error;

// Same inputs through both layouts of a model: every component gives identical outputs.
void expect_identical(const StableDiffusionModel& a, const StableDiffusionModel& b) {
  EXPECT_EQ(a.family, b.family);
  EXPECT_EQ(a.pad_id, b.pad_id);
  at::manual_seed(7);
  const at::Tensor ids =
      at::tensor(at::ArrayRef<std::int64_t>(a.tokenizer.window("a photo of a cat!", a.pad_id)), at::kLong).unsqueeze(0);
  EXPECT_EQ(a.tokenizer.window("a photo of a cat!", a.pad_id), b.tokenizer.window("a photo of a cat!", b.pad_id));
  const at::Tensor context = a.text_encoder->encode(ids);
  EXPECT_TRUE(at::equal(context, b.text_encoder->encode(ids)));
  const at::Tensor latents = at::randn({1, 4, 6, 10});
  const at::Tensor timestep = at::full({}, 946.42102f);
  EXPECT_TRUE(at::equal(a.unet.forward(latents, timestep, context), b.unet.forward(latents, timestep, context)));
  EXPECT_TRUE(at::equal(a.vae.decode(latents), b.vae.decode(latents)));
}

ModelOptions reference_options() {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  return options;
}

// A link to a reference single file in a fresh folder, with `sidecar` beside it (none when null).
fs::path single_file_with(const std::string& reference, const nlohmann::json& sidecar) {
  const fs::path folder = easel::test::temp_dir();
  fs::create_symlink(fs::absolute(test::models() / (reference + ".safetensors")),
                     folder / (reference + ".safetensors"));
  if (!sidecar.is_null()) std::ofstream(folder / (reference + ".easel.json")) << sidecar.dump();
  return folder / (reference + ".safetensors");
}

TEST(Model, BothLayoutsOfSd1LoadIdentically) {
  const StableDiffusionModel folder = load_model(test::models() / "sd1", reference_options());
  const StableDiffusionModel single = load_model(test::single_file_model("sd1"), reference_options());
  EXPECT_EQ(folder.family, ModelFamily::sd1);
  expect_identical(folder, single);
  EXPECT_EQ(single.scheduler.sampler, SamplerKind::euler);
  EXPECT_EQ(single.scheduler.spacing, folder.scheduler.spacing);
}

TEST(Model, BothLayoutsOfSd2LoadIdentically) {
  const StableDiffusionModel folder = load_model(test::models() / "sd2", reference_options());
  EXPECT_EQ(folder.family, ModelFamily::sd2);
  EXPECT_EQ(folder.scheduler.prediction, PredictionType::v_prediction);
  const StableDiffusionModel single = load_model(test::single_file_model("sd2"), reference_options());
  expect_identical(folder, single);
  EXPECT_EQ(single.scheduler.prediction, PredictionType::v_prediction) << "from the sidecar's scheduler section";
  EXPECT_EQ(single.scheduler.sampler, SamplerKind::ddim);
}

// diffusers' from_single_file(config=…): a sidecar may take every section from a diffusers folder.
TEST(Model, ASidecarTakesTheSectionsItLeavesOutFromItsConfigFolder) {
  const fs::path file = single_file_with(
      "sd2", {{"config", fs::absolute(test::models() / "sd2").string()}, {"_comment", "the sd2 folder's configs"}});
  expect_identical(load_model(test::models() / "sd2", reference_options()), load_model(file, reference_options()));
  // A section it gives wins over the folder's.
  const fs::path overridden = single_file_with(
      "sd2", {{"config", fs::absolute(test::models() / "sd2").string()},
              {"scheduler", {{"_class_name", "EulerDiscreteScheduler"}, {"prediction_type", "epsilon"}}}});
  EXPECT_EQ(load_model(overridden, reference_options()).scheduler.prediction, PredictionType::epsilon);
}

// Issue 16: the tiny single files crashed the process with SIGFPE — a text encoder narrower than 64
// got 0 heads of the real networks' 64-wide ones. Without a sidecar, what they need is named instead.
TEST(Model, ASingleFileWhoseTensorsNeedASidecarSaysWhatToWrite) {
  for (const std::string reference : {"sd1", "sd2"}) {
    const fs::path file = single_file_with(reference, nullptr);
    for (const std::string& field :
         std::vector<std::string>{reference + ".easel.json", "text_encoder.num_attention_heads (the text encoder is",
                                  "unet.norm_num_groups (", "vae.norm_num_groups (", "\"attention_head_dim\": …",
                                  "\"hidden_act\": …", "docs/models.md"}) {
      expect_error([&] { load_model(file, reference_options()); }, ErrorKind::capability, field);
    }
  }
  // A sidecar that gives only some of them: the rest are asked for.
  const fs::path partial = single_file_with("sd1", {{"text_encoder", {{"num_attention_heads", 4}}}});
  expect_error([&] { load_model(partial, reference_options()); }, ErrorKind::capability, "Add them to");
  try {
    load_model(partial, reference_options());
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).find("num_attention_heads"), std::string::npos)
        << "given already: " << error.what();
  }
}

TEST(Model, ASidecarValueThatDoesNotFitNamesTheFieldAndTheTensor) {
  nlohmann::json sidecar = easel::test::reference_sidecar("sd1");
  sidecar["text_encoder"]["num_attention_heads"] = 3;
  expect_error([&] { load_model(single_file_with("sd1", sidecar), reference_options()); }, ErrorKind::input,
               "text_encoder.num_attention_heads 3 does not divide the text encoder's width 32");
  sidecar = easel::test::reference_sidecar("sd1");
  sidecar["unet"]["norm_num_groups"] = 3;
  expect_error([&] { load_model(single_file_with("sd1", sidecar), reference_options()); }, ErrorKind::input,
               "unet.norm_num_groups 3 does not divide the 16 channels of 'model.diffusion_model.");
  sidecar = easel::test::reference_sidecar("sd1");
  sidecar["unet"]["attention_head_dim"] = 0;
  expect_error([&] { load_model(single_file_with("sd1", sidecar), reference_options()); }, ErrorKind::input,
               "field 'attention_head_dim' is 0; allowed: a whole number from 1 to 1024");
  sidecar = easel::test::reference_sidecar("sd1");
  sidecar["unet"]["norm_num_groups"] = 2.5;
  expect_error([&] { load_model(single_file_with("sd1", sidecar), reference_options()); }, ErrorKind::input,
               "field 'norm_num_groups' is 2.5");
  sidecar = easel::test::reference_sidecar("sd1");
  sidecar["text_encodr"] = nlohmann::json::object();
  expect_error([&] { load_model(single_file_with("sd1", sidecar), reference_options()); }, ErrorKind::input,
               "field 'text_encodr' is not a sidecar key; allowed: text_encoder, text_encoder_2, unet, vae, scheduler, "
               "config, tokenizer, base");
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
  const at::Tensor first_states =
      model.text_encoder->encode(at::tensor(at::ArrayRef<std::int64_t>(first), at::kLong).unsqueeze(0));
  EXPECT_TRUE(at::equal(states.slice(1, 0, 77), first_states));
  EXPECT_EQ(encode_prompt(model, "a photo of a cat").sizes(), (at::IntArrayRef{1, 77, 32}));
  // The UNet takes any number of context tokens.
  EXPECT_EQ(model.unet.forward(at::zeros({1, 4, 6, 10}), at::zeros({}), states).sizes(),
            (at::IntArrayRef{1, 4, 6, 10}));
}

TEST(Model, UnetOnlyModelsTakeTheRestFromTheirBase) {
  ModelOptions options = reference_options();
  options.base = test::models() / "sd1";
  const StableDiffusionModel inpaint = load_model(test::models() / "inpaint", options);
  EXPECT_EQ(inpaint.unet.in_channels(), 9);
  expect_error([&] { load_model(test::models() / "inpaint", reference_options()); }, ErrorKind::capability,
               "text_encoder/");
  expect_error([&] { load_model(test::models() / "inpaint", reference_options()); }, ErrorKind::capability, "\"base\"");
  // A single file's sidecar names its base (here the sd1 single file beside it): the same model.
  const StableDiffusionModel single = load_model(test::single_file_model("inpaint_unet_only"), reference_options());
  EXPECT_EQ(single.scheduler.sampler, inpaint.scheduler.sampler);
  at::manual_seed(5);
  const at::Tensor latents = at::randn({1, 9, 6, 10});
  const at::Tensor context = encode_prompt(inpaint, "a photo of a cat");
  EXPECT_TRUE(at::equal(encode_prompt(single, "a photo of a cat"), context));
  EXPECT_TRUE(at::equal(single.unet.forward(latents, at::full({}, 500.0f), context),
                        inpaint.unet.forward(latents, at::full({}, 500.0f), context)));
  // Without it, the error names the sidecar to write.
  nlohmann::json sidecar = easel::test::reference_sidecar("inpaint_unet_only");
  expect_error([&] { load_model(single_file_with("inpaint_unet_only", sidecar), reference_options()); },
               ErrorKind::capability, "inpaint_unet_only.easel.json");
}

TEST(Model, ABaseOfAnotherFamilyIsRefused) {
  ModelOptions options = reference_options();
  options.base = test::models() / "sd2";
  expect_error([&] { load_model(test::models() / "inpaint", options); }, ErrorKind::input,
               "takes 32-wide text, but the text encoder of");
  options.base = test::models() / "inpaint";
  expect_error([&] { load_model(test::models() / "ip2p", options); }, ErrorKind::capability, "has none either");
}

TEST(Model, MissingAndUnsafeFilesAreSpecificErrors) {
  expect_error([] { load_model(test::models() / "no-such-model.safetensors"); }, ErrorKind::capability,
               "no-such-model.safetensors");
  const auto pickle = easel::test::temp_dir() / "model.ckpt";
  std::ofstream(pickle) << "not loaded";
  expect_error([&] { load_model(pickle); }, ErrorKind::input, ".safetensors");
  // A file of goldens is a valid safetensors file but no model: the error names what is missing.
  expect_error([] { load_model(test::goldens() / "unet_sd1.safetensors"); }, ErrorKind::input,
               "holds no Stable Diffusion tensors");
}

TEST(Model, WeightsThatDoNotFitNameTheFirstTensor) {
  Weights weights = read_component(test::models() / "sd1" / "unet" / "diffusion_pytorch_model.safetensors");
  weights.add("down_blocks.1.resnets.0.conv1.weight", at::zeros({32, 24, 3, 3}));
  expect_error([&] { UNet(weights, UNetConfig::from_json_file(test::models() / "sd1" / "unet" / "config.json")); },
               ErrorKind::input, "tensor 'down_blocks.1.resnets.0.conv1.weight' of shape (32, 24, 3, 3) does not fit");
  Weights vae = read_single_file_vae(test::models() / "sd1.safetensors");
  vae.add("decoder.up_blocks.2.resnets.0.norm1.weight", at::ones({16}));
  expect_error(
      [&] {
        Vae(vae, VaeConfig{8, 0.18215});
      },
      ErrorKind::input, "tensor 'decoder.up_blocks.2.resnets.0.norm1.bias'");
}

}  // namespace
}  // namespace easel::diffusion
