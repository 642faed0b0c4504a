// LoRA files merged at load (easel/diffusion/lora.hpp) against ../shared/reference/lora: the merged
// weights, the SD1 pipelines with each LoRA at scale 1.0 and 0.5 and two at once (supplied noise), the
// same through a single file, and the errors for files that do not belong to the model.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "easel/diffusion/diffusion_engine.hpp"
#include "easel/diffusion/lora.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/tensor_file.hpp"
#include "easel/diffusion/weights.hpp"
#include "easel/diffusion/sdxl_single_file.hpp"
#include "golden.hpp"
#include "model_folders.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

std::filesystem::path lora_reference() { return easel::test::reference_dir() / "lora"; }
std::filesystem::path lora_file(const std::string& name) { return lora_reference() / "loras" / name; }

const std::string kohya = "sd1_locon_kohya.safetensors";
const std::string diffusers = "sd1_lora_diffusers.safetensors";
const std::string peft = "sd1_lora_peft.safetensors";
const std::string sdxl_kohya = "sdxl_locon_kohya.safetensors";
const std::string sdxl_diffusers = "sdxl_lora_diffusers.safetensors";

// The SD1 reference's text encoder and UNet weights with `loras` merged, keyed "<component>.<name>" as
// the merged-weight goldens are.
std::map<std::string, at::Tensor> merged_sd1(const std::vector<LoraUse>& loras, bool single_file) {
  LoraSet set(loras);
  const auto sd1 = test::models() / "sd1";
  Weights text_encoder = single_file ? read_single_file_text_encoder(test::models() / "sd1.safetensors")
                                     : read_component(sd1 / "text_encoder" / "model.safetensors");
  Weights unet = single_file ? read_single_file_unet(test::models() / "sd1.safetensors")
                             : read_component(sd1 / "unet" / "diffusion_pytorch_model.safetensors");
  set.merge_into(text_encoder, LoraComponent::text_encoder);
  set.merge_into(unet, LoraComponent::unet);
  set.check_every_module_merged();
  std::map<std::string, at::Tensor> merged;
  for (const auto& name : text_encoder.names()) merged["text_encoder." + name] = text_encoder.get(name);
  for (const auto& name : unet.names()) merged["unet." + name] = unet.get(name);
  return merged;
}

// The same for the SDXL reference: both text encoders and the UNet, from the folder or the single file.
std::map<std::string, at::Tensor> merged_sdxl(const std::vector<LoraUse>& loras, bool single_file) {
  LoraSet set(loras);
  const auto base = test::sdxl_reference() / "models" / "base";
  const auto file = test::sdxl_reference() / "models" / "sdxl_base.safetensors";
  std::map<std::string, Weights> components;
  if (single_file) {
    SdxlSingleFileTextEncoders encoders = read_single_file_sdxl_text_encoders(file);
    components.emplace("text_encoder", std::move(*encoders.clip_l));
    components.emplace("text_encoder_2", std::move(*encoders.big_g));
    components.emplace("unet", read_single_file_unet(file));
  } else {
    components.emplace("text_encoder", read_component(base / "text_encoder" / "model.safetensors"));
    components.emplace("text_encoder_2", read_component(base / "text_encoder_2" / "model.safetensors"));
    components.emplace("unet", read_component(base / "unet" / "diffusion_pytorch_model.safetensors"));
  }
  set.merge_into(components.at("text_encoder"), LoraComponent::text_encoder);
  set.merge_into(components.at("text_encoder_2"), LoraComponent::text_encoder_2);
  set.merge_into(components.at("unet"), LoraComponent::unet);
  set.check_every_module_merged();
  std::map<std::string, at::Tensor> merged;
  for (const auto& [component, weights] : components)
    for (const auto& name : weights.names()) merged[component + "." + name] = weights.get(name);
  return merged;
}

// README: merged weights within 1e-6 rel-L2 and 1e-6 · max(1, max|W|).
void expect_merged_weights_match(const std::string& golden_lora, const std::string& file, bool single_file) {
  const SafetensorsFile golden(lora_reference() / "goldens" / "merged_weights.safetensors");
  const bool sdxl = golden_lora.starts_with("sdxl");
  for (const double scale : {1.0, 0.5}) {
    const std::vector<LoraUse> loras = {{lora_file(file), scale}};
    const auto merged = sdxl ? merged_sdxl(loras, single_file) : merged_sd1(loras, single_file);
    const std::string prefix = golden_lora + "/scale" + (scale == 1.0 ? "1.0" : "0.5") + "/";
    int compared = 0;
    for (const auto& [name, info] : golden.tensors()) {
      if (!name.starts_with(prefix)) continue;
      const std::string weight = name.substr(prefix.size());
      ASSERT_TRUE(merged.contains(weight)) << weight;
      const at::Tensor expected = test::golden(golden, name);
      const double bound = 1e-6 * std::max(1.0, expected.abs().max().item<double>());
      test::expect_close(merged.at(weight).reshape(expected.sizes()), expected, 1e-6, bound,
                         file + " " + prefix + weight);
      ++compared;
    }
    EXPECT_GE(compared, 2) << prefix;
  }
}

TEST(LoraMerge, KohyaLoConMatchesTheReferenceMergedWeights) { expect_merged_weights_match("sd1_kohya", kohya, false); }

// kohya's SDXL files name UNet modules by their original (sgm) names, and both text encoders lora_te1/te2.
TEST(LoraMerge, SdxlFilesOfEveryNamingMatchTheReferenceMergedWeights) {
  for (const bool single_file : {false, true}) {
    expect_merged_weights_match("sdxl_kohya", sdxl_kohya, single_file);
    expect_merged_weights_match("sdxl_diffusers", sdxl_diffusers, single_file);
    expect_merged_weights_match("sdxl_diffusers", "sdxl_lora_peft.safetensors", single_file);
  }
}

TEST(LoraMerge, DiffusersAndPeftNamingsMatchTheReferenceMergedWeights) {
  expect_merged_weights_match("sd1_diffusers", diffusers, false);
  expect_merged_weights_match("sd1_diffusers", peft, false);
}

TEST(LoraMerge, SingleFileNamesMergeTheSameWeights) {
  const auto folder = merged_sd1({{lora_file(kohya), 0.5}}, false);
  const auto single = merged_sd1({{lora_file(kohya), 0.5}}, true);
  int compared = 0;
  for (const auto& [name, tensor] : folder) {
    if (!single.contains(name)) continue;  // the single file's renaming keeps the weights the networks use
    EXPECT_TRUE(at::equal(tensor.reshape(single.at(name).sizes()), single.at(name))) << name;
    ++compared;
  }
  EXPECT_GT(compared, 100);
}

// diffusers' older attention-processor files (`….processor.to_q_lora.down.weight`, no "unet." prefix in the
// oldest) change `….to_q`, and `to_out_lora` changes `to_out.0`, by up·down.
TEST(LoraMerge, AttentionProcessorFilesMergeIntoTheirProjections) {
  const std::string attention = "down_blocks.0.attentions.0.transformer_blocks.0.attn1";
  const at::Tensor down = at::randn({2, 16}), up = at::randn({16, 2});
  const auto file = easel::test::temp_dir() / "processor.safetensors";
  write_safetensors(file,
                    {{attention + ".processor.to_q_lora.down.weight", down},
                     {attention + ".processor.to_q_lora.up.weight", up},
                     {"unet." + attention + ".processor.to_out_lora.down.weight", down},
                     {"unet." + attention + ".processor.to_out_lora.up.weight", up}},
                    at::kFloat);
  const auto base = merged_sd1({}, false);
  const auto merged = merged_sd1({{file, 0.5}}, false);
  for (const std::string projection : {".to_q.weight", ".to_out.0.weight"}) {
    const std::string name = "unet." + attention + projection;
    EXPECT_TRUE(at::allclose(merged.at(name), base.at(name) + 0.5 * at::mm(up, down), 1e-6, 1e-6)) << name;
  }
}

struct LoraRun {
  std::string golden;  // goldens/pipelines/<golden>
  std::vector<std::pair<std::string, double>> loras;
  bool single_file = false;
  bool sdxl() const { return golden.starts_with("sdxl"); }
};

StableDiffusionModel load_with_loras(const LoraRun& run) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  for (const auto& [file, scale] : run.loras) options.loras.push_back({lora_file(file), scale});
  if (run.sdxl()) {
    return load_model(run.single_file ? test::sdxl_single_file("sdxl_base") : test::sdxl_model_folder("base"), options);
  }
  return load_model(run.single_file ? test::single_file_model("sd1") : test::models() / "sd1", options);
}

class LoraPipeline : public ::testing::TestWithParam<LoraRun> {};

// The README's runs: SD1 48×80 with CFG 7.5, SDXL 64×64 with CFG 5; the model's Euler scheduler, 8
// steps, "a photo of a cat", the golden's noise.
TEST_P(LoraPipeline, MatchesTheReference) {
  const LoraRun& run = GetParam();
  const SafetensorsFile golden(lora_reference() / "goldens" / "pipelines" / (run.golden + ".safetensors"));
  const StableDiffusionModel model = load_with_loras(run);
  PipelineInput input;
  input.prompt = "a photo of a cat";
  input.steps = 8;
  input.guidance = run.sdxl() ? 5.0 : 7.5;
  input.sampler = model.scheduler.sampler;
  input.width = run.sdxl() ? 64 : 80;
  input.height = run.sdxl() ? 64 : 48;
  int drawn = 0;
  const NoiseSource feeder = [&](at::IntArrayRef, bool used) {
    return used ? test::golden(golden, "noise." + std::to_string(drawn++)) : at::Tensor();
  };
  const PipelineOutput outcome = run_pipeline(model, input, feeder);
  test::expect_close(outcome.prompt_embeds, test::golden(golden, "prompt_embeds_unet_batch"), 1e-5, 1e-4,
                     run.golden + " prompt embeds");
  if (run.sdxl()) {
    test::expect_close(outcome.added.text_embeds, test::golden(golden, "add_text_embeds_unet_batch"), 1e-5, 1e-4,
                       run.golden + " pooled embeds");
  }
  test::expect_close(outcome.timesteps, test::golden(golden, "timesteps"), 1e-7, 1e-4, run.golden + " timesteps");
  const at::Tensor latents = test::golden(golden, "final_latents");
  test::expect_close(outcome.latents, latents, 1e-4, 1e-3 * std::max(1.0, latents.abs().max().item<double>()),
                     run.golden + " final latents");
  test::expect_close(outcome.decoded, test::golden(golden, "decoded"), 1e-4, 1e-3, run.golden + " decoded");
  test::expect_png_matches(outcome.decoded, lora_reference() / "goldens" / "pipelines" / (run.golden + ".png"));
}

std::string run_name(const LoraRun& run) {
  const bool peft_file = run.loras.size() == 1 && run.loras[0].first.ends_with("_peft.safetensors");
  std::string name = run.golden + (peft_file ? "_peft" : "") + (run.single_file ? "_single_file" : "");
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Sd1, LoraPipeline,
                         ::testing::Values(LoraRun{"sd1_nolora", {}}, LoraRun{"sd1_kohya_scale1.0", {{kohya, 1.0}}},
                                           LoraRun{"sd1_kohya_scale0.5", {{kohya, 0.5}}},
                                           LoraRun{"sd1_diffusers_scale1.0", {{diffusers, 1.0}}},
                                           LoraRun{"sd1_diffusers_scale0.5", {{diffusers, 0.5}}},
                                           LoraRun{"sd1_diffusers_scale0.5", {{peft, 0.5}}},
                                           LoraRun{"sd1_two_kohya0.5_diffusers1.0", {{kohya, 0.5}, {diffusers, 1.0}}},
                                           LoraRun{"sd1_kohya_scale1.0", {{kohya, 1.0}}, true}),
                         [](const auto& test_case) { return run_name(test_case.param); });
INSTANTIATE_TEST_SUITE_P(
    Sdxl, LoraPipeline,
    ::testing::Values(LoraRun{"sdxl_nolora", {}}, LoraRun{"sdxl_kohya_scale1.0", {{sdxl_kohya, 1.0}}},
                      LoraRun{"sdxl_kohya_scale0.5", {{sdxl_kohya, 0.5}}},
                      LoraRun{"sdxl_diffusers_scale1.0", {{sdxl_diffusers, 1.0}}},
                      LoraRun{"sdxl_diffusers_scale0.5", {{sdxl_diffusers, 0.5}}},
                      LoraRun{"sdxl_diffusers_scale0.5", {{"sdxl_lora_peft.safetensors", 0.5}}},
                      LoraRun{"sdxl_two_kohya1.0_diffusers0.5", {{sdxl_kohya, 1.0}, {sdxl_diffusers, 0.5}}},
                      LoraRun{"sdxl_kohya_scale1.0", {{sdxl_kohya, 1.0}}, true}),
    [](const auto& test_case) { return run_name(test_case.param); });

// The engine keeps the merged model until the LoRA set changes; without the LoRA it is the base again,
// bit for bit.
TEST(LoraEngine, RemovingTheLoraGivesTheBaseModelsImagesBitForBit) {
  const auto request = [](std::vector<LoraChoice> loras) {
    GenerationRequest asked;
    asked.model = (test::models() / "sd1").string();
    asked.prompt = "a photo of a cat";
    asked.width = 64;
    asked.height = 64;
    asked.steps = 3;
    asked.seed = 7;
    asked.loras = std::move(loras);
    return asked;
  };
  const auto same = [](const Image& a, const Image& b) { return cv::norm(a.mat(), b.mat(), cv::NORM_INF) == 0; };
  const DiffusionEngineOptions options{{}, test::sd_reference() / "tokenizer"};
  const Image base = make_diffusion_engine(options)->generate(request({})).images.at(0);

  const auto engine = make_diffusion_engine(options);
  const GenerationResult with_lora = engine->generate(request({{lora_file(kohya).string(), 1.0}}));
  ASSERT_EQ(with_lora.loras.size(), 1u);
  EXPECT_EQ(with_lora.loras[0].scale, 1.0);
  EXPECT_FALSE(same(with_lora.images.at(0), base)) << "the LoRA changed nothing";
  const Image half = engine->generate(request({{lora_file(kohya).string(), 0.5}})).images.at(0);
  EXPECT_FALSE(same(half, with_lora.images.at(0))) << "the scale changed nothing";
  const GenerationResult without = engine->generate(request({}));
  EXPECT_TRUE(without.loras.empty());
  EXPECT_TRUE(same(without.images.at(0), base));
}

// Changing a loaded model's LoRA set in place gives, bit for bit, what loading the model with that set
// gives: to another scale, to two LoRAs, to none (the base model), for SD1 and SDXL, folder and single
// file; a set that does not fit leaves the model as it was.
TEST(LoraChange, ReMergingInPlaceEqualsLoadingWithTheSet) {
  struct Case {
    LoraRun run;
    std::vector<std::vector<std::pair<std::string, double>>> sets;
  };
  const std::vector<Case> cases = {{{"sd1", {{kohya, 1.0}}}, {{{kohya, 0.5}}, {{kohya, 0.5}, {diffusers, 1.0}}, {}}},
                                   {{"sd1", {{kohya, 1.0}}, true}, {{{diffusers, 0.5}}, {}}},
                                   {{"sdxl", {{sdxl_kohya, 1.0}}}, {{{sdxl_kohya, 0.5}, {sdxl_diffusers, 0.5}}, {}}},
                                   {{"sdxl", {{sdxl_diffusers, 1.0}}, true}, {{{sdxl_kohya, 1.0}}, {}}}};
  PipelineInput input;
  input.prompt = "a photo of a cat";
  input.steps = 2;
  input.guidance = 5.0;
  input.width = 64;
  input.height = 64;
  const auto generate = [&](const StableDiffusionModel& model) {
    input.sampler = model.scheduler.sampler;
    return run_pipeline(model, input, SeededNoise(3).source()).decoded;
  };
  for (const Case& test_case : cases) {
    StableDiffusionModel model = load_with_loras(test_case.run);
    for (const auto& set : test_case.sets) {
      LoraRun fresh = test_case.run;
      fresh.loras = set;
      std::vector<LoraUse> uses;
      for (const auto& [file, scale] : set) uses.push_back({lora_file(file), scale});
      change_loras(model, uses);
      EXPECT_EQ(model.loras.uses, uses);
      EXPECT_TRUE(at::equal(generate(model), generate(load_with_loras(fresh))))
          << test_case.run.golden << " with " << set.size() << " LoRAs, single file " << test_case.run.single_file;
    }
    const at::Tensor before = generate(model);
    const std::vector<LoraUse> other_family = {{lora_file(test_case.run.sdxl() ? kohya : sdxl_kohya), 1.0}};
    test::expect_error([&] { change_loras(model, other_family); }, ErrorKind::input, "another model family");
    EXPECT_TRUE(at::equal(generate(model), before)) << "a refused set changed the model";
  }
}

TEST(LoraErrors, ALoraForAnotherFamilyNamesTheFirstModuleTheModelLacks) {
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  options.loras = {{lora_file("sdxl_locon_kohya.safetensors"), 1.0}};
  test::expect_error([&] { load_model(test::models() / "sd1", options); }, ErrorKind::input, "made for another model");
  options.loras = {{lora_file("sdxl_lora_diffusers.safetensors"), 1.0}};
  test::expect_error([&] { load_model(test::models() / "sd1", options); }, ErrorKind::input,
                     "sdxl_lora_diffusers.safetensors");
}

TEST(LoraErrors, AModuleTheModelLacksIsNamedNotDropped) {
  const auto file = easel::test::temp_dir() / "stray.safetensors";
  write_safetensors(file,
                    {{"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", at::ones({2, 16})},
                     {"lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", at::ones({16, 2})},
                     {"lora_unet_down_blocks_9_resnets_0_conv1.lora_down.weight", at::ones({2, 16, 3, 3})},
                     {"lora_unet_down_blocks_9_resnets_0_conv1.lora_up.weight", at::ones({16, 2, 1, 1})}},
                    at::kFloat);
  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  options.loras = {{file, 1.0}};
  test::expect_error([&] { load_model(test::models() / "sd1", options); }, ErrorKind::input,
                     "'lora_unet_down_blocks_9_resnets_0_conv1.lora_down.weight' changes unet module "
                     "'down_blocks_9_resnets_0_conv1', which the model does not have");
}

TEST(LoraErrors, AModelFileIsNotTakenForALora) {
  test::expect_error(
      [] {
        LoraSet({{test::models() / "sd1.safetensors", 1.0}});
      },
      ErrorKind::input, "is not a LoRA tensor");
}

TEST(LoraErrors, AMissingFileSaysHowToGetOne) {
  test::expect_error(
      [] {
        LoraSet({{easel::test::temp_dir() / "absent.safetensors", 1.0}});
      },
      ErrorKind::capability, "easel models pull");
}

TEST(LoraErrors, OtherLycorisVariantsAreRefusedByName) {
  const auto file = easel::test::temp_dir() / "loha.safetensors";
  write_safetensors(file,
                    {{"lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a", at::ones({4, 2})},
                     {"lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_b", at::ones({2, 4})}},
                    at::kFloat);
  test::expect_error([&] { LoraSet({{file, 1.0}}); }, ErrorKind::input, "LoHa");
}

TEST(LoraErrors, AModuleWithoutItsUpTensorIsAnError) {
  const auto file = easel::test::temp_dir() / "half.safetensors";
  write_safetensors(file, {{"lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", at::ones({4, 16})}},
                    at::kFloat);
  test::expect_error([&] { LoraSet({{file, 1.0}}); }, ErrorKind::input, "has no up tensor");
}

}  // namespace
}  // namespace easel::diffusion
