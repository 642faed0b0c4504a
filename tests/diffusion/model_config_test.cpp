// Model configuration read as untrusted input (issue 16): every count a network divides by, every
// factor and enumeration is checked where the file is read, and a bad value is an input error naming
// the file, the field and what is allowed — never a signal when the model is built.
#include "easel/model_files/model_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/model_files/config_json.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/model_files/model_sidecar.hpp"
#include "easel/diffusion/scheduler.hpp"
#include "golden.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::expect_error;

json reference_config(const std::string& relative) {
  std::ifstream in(test::models() / relative);
  return json::parse(in);
}

// `config` written to a file of its own, named like the diffusers file it stands for.
fs::path written(const json& config, const std::string& name = "config.json") {
  const fs::path file = easel::test::temp_dir() / name;
  std::ofstream(file) << config.dump();
  return file;
}

// sd1's diffusers folder with one component's config replaced.
fs::path sd1_with(const std::string& component, const json& config) {
  const fs::path folder = easel::test::temp_dir() / "sd1";
  fs::create_directories(folder);
  for (const std::string part : {"model_index.json", "text_encoder", "tokenizer", "unet", "vae", "scheduler"}) {
    if (part == component) continue;
    fs::create_symlink(fs::absolute(test::models() / "sd1" / part), folder / part);
  }
  fs::create_directories(folder / component);
  for (const auto& entry : fs::directory_iterator(test::models() / "sd1" / component)) {
    if (entry.path().extension() == ".safetensors")
      fs::create_symlink(fs::absolute(entry.path()), folder / component / entry.path().filename());
  }
  std::ofstream(folder / component / (component == "scheduler" ? "scheduler_config.json" : "config.json"))
      << config.dump();
  return folder;
}

ModelOptions reference_options() {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  return options;
}

// Before: norm_num_groups 0 reached GroupNorm's `channels % groups` and num_attention_heads 0 the text
// encoder's `width % heads`, killing the process with SIGFPE.
TEST(ModelConfig, ZeroCountsInADiffusersFolderAreInputErrorsNotSignals) {
  json unet = reference_config("sd1/unet/config.json");
  unet["norm_num_groups"] = 0;
  expect_error([&] { load_model(sd1_with("unet", unet), reference_options()); }, ErrorKind::input,
               "unet/config.json: field 'norm_num_groups' is 0; allowed: a whole number from 1 to 1024");
  json text = reference_config("sd1/text_encoder/config.json");
  text["num_attention_heads"] = 0;
  expect_error([&] { load_model(sd1_with("text_encoder", text), reference_options()); }, ErrorKind::input,
               "text_encoder/config.json: field 'num_attention_heads' is 0");
  json vae = reference_config("sd1/vae/config.json");
  vae["norm_num_groups"] = 0;
  expect_error([&] { load_model(sd1_with("vae", vae), reference_options()); }, ErrorKind::input,
               "vae/config.json: field 'norm_num_groups' is 0");
  json scheduler = reference_config("sd1/scheduler/scheduler_config.json");
  scheduler["num_train_timesteps"] = 0;
  expect_error([&] { load_model(sd1_with("scheduler", scheduler), reference_options()); }, ErrorKind::input,
               "field 'num_train_timesteps' is 0");
}

TEST(ModelConfig, UNetValuesAreCheckedForTypeAndRange) {
  json unet = reference_config("sd1/unet/config.json");
  EXPECT_EQ(UNetConfig::from_json_file(written(unet)).heads_per_level, (std::vector<std::int64_t>{4}));
  for (const json& heads : {json(0), json(-2), json(1e30), json(2.5), json("4"), json::array(), json({4, 0}),
                            json({1, 2, 3, 4, 5, 6, 7, 8, 9})}) {
    unet["attention_head_dim"] = heads;
    expect_error([&] { UNetConfig::from_json_file(written(unet)); }, ErrorKind::input,
                 "field 'attention_head_dim' is " + heads.dump().substr(0, 20));
  }
  unet = reference_config("sd1/unet/config.json");
  unet.erase("attention_head_dim");
  expect_error([&] { UNetConfig::from_json_file(written(unet)); }, ErrorKind::input,
               "field 'attention_head_dim' is missing");
  unet["num_attention_heads"] = 4;  // diffusers' newer name wins when set
  EXPECT_EQ(UNetConfig::from_json_file(written(unet)).heads_per_level, (std::vector<std::int64_t>{4}));
  unet = reference_config("sd1/unet/config.json");
  unet["norm_eps"] = 0;
  expect_error([&] { UNetConfig::from_json_file(written(unet)); }, ErrorKind::input, "field 'norm_eps' is 0");
  unet = reference_config("sd1/unet/config.json");
  unet["freq_shift"] = 3;
  expect_error([&] { UNetConfig::from_json_file(written(unet)); }, ErrorKind::input,
               "field 'freq_shift' is 3; allowed: a number from 0 to 1");
  unet = reference_config("sd1/unet/config.json");
  unet["flip_sin_to_cos"] = "yes";
  expect_error([&] { UNetConfig::from_json_file(written(unet)); }, ErrorKind::input,
               "field 'flip_sin_to_cos' is \"yes\"; allowed: true or false");
}

TEST(ModelConfig, TextEncoderVaeAndTokenizerValuesAreChecked) {
  json text = reference_config("sd1/text_encoder/config.json");
  text["hidden_act"] = "relu";
  expect_error([&] { TextEncoderConfig::from_json_file(written(text)); }, ErrorKind::input,
               "field 'hidden_act' is \"relu\"; allowed: quick_gelu, gelu");
  text = reference_config("sd1/text_encoder/config.json");
  text["num_attention_heads"] = 3;
  expect_error([&] { TextEncoderConfig::from_json_file(written(text)); }, ErrorKind::input,
               "field 'hidden_size' is 32, which 3 attention heads");
  text.erase("num_attention_heads");
  expect_error([&] { TextEncoderConfig::from_json_file(written(text)); }, ErrorKind::input,
               "field 'num_attention_heads' is missing");
  json vae = reference_config("sd1/vae/config.json");
  vae["scaling_factor"] = -0.18215;
  expect_error([&] { VaeConfig::from_json_file(written(vae)); }, ErrorKind::input,
               "field 'scaling_factor' is -0.18215");
  EXPECT_TRUE(TokenizerConfig::from_folder(test::models() / "sd2" / "tokenizer").pads_with_exclamation());
  EXPECT_FALSE(TokenizerConfig::from_folder(test::models() / "sd1" / "tokenizer").pads_with_exclamation());
  EXPECT_TRUE(TokenizerConfig::from_json({{"pad_token", {{"content", "!"}, {"lstrip", false}}}}, "map")
                  .pads_with_exclamation());
  expect_error(
      [] {
        TokenizerConfig::from_json({{"pad_token", 7}}, "map");
      },
      ErrorKind::input, "field 'pad_token' is 7");
}

TEST(ModelConfig, SchedulerValuesAreCheckedAndStepsStayInTheTrainingRange) {
  json scheduler = reference_config("sd2/scheduler/scheduler_config.json");
  EXPECT_EQ(SchedulerConfig::from_json_file(written(scheduler)).prediction, PredictionType::v_prediction);
  const std::vector<std::pair<std::string, json>> bad = {{"num_train_timesteps", 1e9},
                                                         {"beta_end", 1.5},
                                                         {"beta_start", 0},
                                                         {"prediction_type", "sample"},
                                                         {"timestep_spacing", "random"},
                                                         {"beta_schedule", "linear"},
                                                         {"steps_offset", 1000},
                                                         {"set_alpha_to_one", 1}};
  for (const auto& [field, value] : bad) {
    json changed = scheduler;
    changed[field] = value;
    expect_error([&] { SchedulerConfig::from_json_file(written(changed)); }, ErrorKind::input,
                 "field '" + field + "' is ");
  }
  // A large (valid) steps_offset with many leading steps would index past the training timesteps.
  scheduler["steps_offset"] = 900;
  Scheduler ddim(SamplerKind::ddim, SchedulerConfig::from_json_file(written(scheduler)));
  ddim.set_timesteps(1);
  expect_error([&] { ddim.set_timesteps(20); }, ErrorKind::usage, "20 steps reach timestep 1850");
}

TEST(ModelConfig, ConfigJsonIsRefusedWhenDeepTruncatedOrRepeatingAKey) {
  expect_error([] { parse_config_json(R"({"a": 1, "a": 2})", "config x"); }, ErrorKind::input,
               "config x repeats the key \"a\" in one object");
  expect_error([] { parse_config_json(std::string(100, '[') + std::string(100, ']'), "config x"); }, ErrorKind::input,
               "nests JSON deeper than 64");
  expect_error([] { parse_config_json(R"({"a": )", "config x"); }, ErrorKind::input, "config x is not valid JSON");
  EXPECT_EQ(parse_config_json(R"({"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}]})", "config x")["b"][1]["a"], 3)
      << "the same key in different objects";
  expect_error(
      [] {
        read_model_index(written(json{{"unet", {"diffusers"}}}, "model_index.json"));
      },
      ErrorKind::input, "field 'unet' is not a [library, class] pair");
  expect_error([] { read_model_index(easel::test::temp_dir() / "absent" / "model_index.json"); }, ErrorKind::capability,
               "not found");
}

TEST(ModelSidecar, SectionsArePathsAreAnchoredAndAFolderNamesOnlyItsBase) {
  const fs::path file = "/models/acme/tiny.easel.json";
  const ModelSidecar sidecar = parse_sidecar({{"base", "../sd1"},
                                              {"tokenizer", "tokenizer"},
                                              {"unet", {{"norm_num_groups", 8}}},
                                              {"_note", "comments are skipped"}},
                                             file, true);
  EXPECT_EQ(sidecar.base_path, fs::path("/models/sd1"));
  EXPECT_TRUE(sidecar.base_name.empty());
  EXPECT_EQ(sidecar.tokenizer, fs::path("/models/acme/tokenizer"));
  EXPECT_EQ(sidecar.unet["norm_num_groups"], 8);
  EXPECT_EQ(parse_sidecar({{"base", "stabilityai/sd-turbo"}}, file, true).base_name, "stabilityai/sd-turbo");
  expect_error(
      [&] {
        parse_sidecar({{"unet", {{"norm_num_groups", 0}}}}, file, true);
      },
      ErrorKind::input, "model sidecar /models/acme/tiny.easel.json section 'unet': field 'norm_num_groups' is 0");
  expect_error([&] { parse_sidecar({{"base", ""}}, file, true); }, ErrorKind::input, "field 'base' is empty");
  expect_error(
      [&] {
        parse_sidecar({{"unet", {{"norm_num_groups", 8}}}}, "/models/inpaint/easel.json", false);
      },
      ErrorKind::input, "a diffusers folder's easel.json names only its base");
  EXPECT_EQ(sidecar_path("/models/acme/tiny.safetensors"), fs::path("/models/acme/tiny.easel.json"));
}

TEST(ModelLoading, EmptyTensorsAndHugeLevelCountsAreInputErrors) {
  Weights weights = read_component(test::models() / "sd1" / "unet" / "diffusion_pytorch_model.safetensors");
  weights.add("conv_in.weight", at::zeros({16, 0, 3, 3}));
  expect_error([&] { UNet(weights, UNetConfig::from_json_file(test::models() / "sd1" / "unet" / "config.json")); },
               ErrorKind::input, "tensor 'conv_in.weight' in ");
  Weights deep = read_component(test::models() / "sd1" / "unet" / "diffusion_pytorch_model.safetensors");
  for (int level = 2; level < 70; ++level)
    deep.add("down_blocks." + std::to_string(level) + ".resnets.0.conv1.weight", at::zeros({32, 32, 3, 3}));
  expect_error([&] { UNet(deep, UNetConfig::from_json_file(test::models() / "sd1" / "unet" / "config.json")); },
               ErrorKind::input, "has a UNet of 70 levels");
}

}  // namespace
}  // namespace easel::diffusion
