// Distilled UNets (BK-SDM's shape: one ResNet(+attention) per down level, two per up level, no middle
// block) in both layouts. The test builds one from a reference UNet the way BK-SDM initialises its
// students: by keeping a subset of the teacher's blocks whose skip-connection widths still fit. It is
// written as a diffusers folder, as a single file numbered the way diffusers' converter numbers it
// (SD's fixed numbering, so with gaps and an output block holding only the upsampler) and as single
// files numbered contiguously on both sides or on one; all must load to the same network. Placeholder
// tensors named like a four-level UNet cover what two levels cannot, and broken files name the tensor.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "easel/core/error.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/diffusion/tensor_file.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/weights.hpp"
#include "golden.hpp"
#include "support/reference_models.hpp"
#include "support/test_support.hpp"

namespace easel::diffusion {
namespace {

namespace fs = std::filesystem;
using Tensors = std::map<std::string, at::Tensor>;
using test::expect_error;

const std::string unet_prefix = "model.diffusion_model.";

Tensors all_tensors(const Weights& weights) {
  Tensors tensors;
  for (const auto& name : weights.names()) tensors[name] = weights.get(name);
  return tensors;
}

Tensors reference_unet(const std::string& model) {
  return all_tensors(read_component(test::models() / model / "unet" / "diffusion_pytorch_model.safetensors"));
}

// The reference UNet with 2 resnets per down level and 3 per up level, cut to 1 and 2: down levels
// keep their first ResNet(+attention); up levels keep their first and last, whose inputs are the skips
// a one-block down level still makes (up level 0: the last down block's output, then the downsampler's;
// up level 1: the first down block's output, then conv_in's). The middle block is dropped.
Tensors distilled_unet(const std::string& model) {
  const std::regex numbered(R"(^(down|up)_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)$)");
  Tensors distilled;
  for (const auto& [name, tensor] : reference_unet(model)) {
    std::smatch match;
    if (name.starts_with("mid_block.")) continue;
    if (!std::regex_match(name, match, numbered)) {
      distilled[name] = tensor;
      continue;
    }
    const int index = std::stoi(match[4]);
    const bool down = match[1] == "down";
    if (down ? index != 0 : index == 1) continue;
    distilled[std::string(match[1]) + "_blocks." + std::string(match[2]) + "." + std::string(match[3]) + "." +
              std::to_string(index / 2) + "." + std::string(match[5])] = tensor;
  }
  return distilled;
}

// Block numbering of the original layout: level i of the input side takes input_blocks
// input_stride·i + 1 … input_stride·(i + 1), its downsampler the last; level i of the output side
// output_blocks output_stride·i … output_stride·(i + 1) − 1, its upsampler ending the last. Stride 3
// on both sides is SD's numbering, which diffusers' convert_diffusers_to_original_stable_diffusion.py
// keeps whatever the block counts.
struct Numbering {
  int input_stride;
  int output_stride;
};

std::string resnet_part(const std::string& rest) {
  static const std::vector<std::pair<std::string, std::string>> parts = {
      {"norm1.", "in_layers.0."},  {"conv1.", "in_layers.2."},  {"time_emb_proj.", "emb_layers.1."},
      {"norm2.", "out_layers.0."}, {"conv2.", "out_layers.3."}, {"conv_shortcut.", "skip_connection."}};
  for (const auto& [diffusers, original] : parts) {
    if (rest.starts_with(diffusers)) return original + rest.substr(diffusers.size());
  }
  ADD_FAILURE() << "unknown ResNet tensor " << rest;
  return rest;
}

// The diffusers→original renaming the converter does, written as a function of the numbering. The
// upsampler follows the block's attention (.2) or, in levels without attention, its ResNet (.1) — the
// converter's "1 if i == 0 else 2" for SD-shaped UNets, whose up level 0 alone has no attention.
std::string original_name(const std::string& name, Numbering numbering,
                          const std::set<std::string>& up_levels_with_attention) {
  static const std::vector<std::pair<std::string, std::string>> fixed = {{"time_embedding.linear_1.", "time_embed.0."},
                                                                         {"time_embedding.linear_2.", "time_embed.2."},
                                                                         {"conv_in.", "input_blocks.0.0."},
                                                                         {"conv_norm_out.", "out.0."},
                                                                         {"conv_out.", "out.2."}};
  for (const auto& [diffusers, original] : fixed) {
    if (name.starts_with(diffusers)) return original + name.substr(diffusers.size());
  }
  static const std::regex block(
      R"(^(down|up)_blocks\.(\d+)\.(resnets|attentions|downsamplers|upsamplers)\.(\d+)\.(.*)$)");
  static const std::regex middle(R"(^mid_block\.(resnets|attentions)\.(\d+)\.(.*)$)");
  std::smatch match;
  if (std::regex_match(name, match, middle)) {
    return match[1] == "attentions"
               ? "middle_block.1." + std::string(match[3])
               : "middle_block." + std::to_string(2 * std::stoi(match[2])) + "." + resnet_part(match[3]);
  }
  if (!std::regex_match(name, match, block)) {
    ADD_FAILURE() << "unknown UNet tensor " << name;
    return name;
  }
  const int level = std::stoi(match[2]);
  const int index = std::stoi(match[4]);
  const std::string kind = match[3];
  const std::string rest = match[5];
  if (match[1] == "down") {
    const std::string number = std::to_string(numbering.input_stride * level + index + 1);
    if (kind == "resnets") return "input_blocks." + number + ".0." + resnet_part(rest);
    if (kind == "attentions") return "input_blocks." + number + ".1." + rest;
    return "input_blocks." + std::to_string(numbering.input_stride * (level + 1)) + ".0.op." +
           rest.substr(std::string("conv.").size());
  }
  const std::string number = std::to_string(numbering.output_stride * level + index);
  if (kind == "resnets") return "output_blocks." + number + ".0." + resnet_part(rest);
  if (kind == "attentions") return "output_blocks." + number + ".1." + rest;
  return "output_blocks." + std::to_string(numbering.output_stride * (level + 1) - 1) + "." +
         (up_levels_with_attention.contains(match[2]) ? "2." : "1.") + rest;
}

Tensors original_layout(const Tensors& unet, Numbering numbering) {
  std::set<std::string> up_levels_with_attention;
  const std::regex up_attention(R"(^up_blocks\.(\d+)\.attentions\.)");
  for (const auto& [name, tensor] : unet) {
    std::smatch match;
    if (std::regex_search(name, match, up_attention)) up_levels_with_attention.insert(match[1]);
  }
  Tensors original;
  for (const auto& [name, tensor] : unet)
    original[unet_prefix + original_name(name, numbering, up_levels_with_attention)] = tensor;
  return original;
}

fs::path write(const fs::path& file, const Tensors& tensors) {
  write_safetensors(file, tensors, at::kFloat);
  return file;
}

UNetConfig config_for(const std::string& model) {
  UNetConfig config = UNetConfig::from_json_file(test::models() / model / "unet" / "config.json");
  EXPECT_EQ(config.norm_groups, 8);
  return config;
}

at::Tensor forward(const UNet& unet) {
  const SafetensorsFile golden(test::goldens() / "unet_sd1.safetensors");
  const at::Tensor sample = test::golden(golden, "sample");
  at::manual_seed(11);
  const at::Tensor context = at::randn({sample.size(0), 7, unet.context_dim()});
  return unet.forward(sample, test::golden(golden, "timestep.3"), context);
}

std::set<std::string> names(const Weights& weights) {
  const auto list = weights.names();
  return {list.begin(), list.end()};
}

std::set<std::string> names(const Tensors& tensors) {
  std::set<std::string> set;
  for (const auto& [name, tensor] : tensors) set.insert(name);
  return set;
}

class DistilledUNet : public ::testing::TestWithParam<std::string> {};

// The converter written above must be the converter: on the reference UNets it gives the reference's
// own single files (made by the real script), name for name and bit for bit.
TEST_P(DistilledUNet, TheTestsConverterGivesTheReferenceSingleFile) {
  const std::string& model = GetParam();
  const Tensors converted = original_layout(reference_unet(model), {3, 3});
  const SafetensorsFile reference(test::models() / (model + ".safetensors"));
  std::set<std::string> reference_names;
  for (const auto& [name, info] : reference.tensors()) {
    if (name.starts_with(unet_prefix)) reference_names.insert(name);
  }
  ASSERT_EQ(names(converted), reference_names);
  for (const auto& [name, tensor] : converted) EXPECT_TRUE(at::equal(tensor, read_tensor(reference, name))) << name;
}

TEST_P(DistilledUNet, GappedContiguousAndMixedSingleFilesLoadAsTheFolder) {
  const std::string& model = GetParam();
  const Tensors distilled = distilled_unet(model);
  const fs::path folder = easel::test::temp_dir();
  const UNet from_folder(read_component(write(folder / "diffusion_pytorch_model.safetensors", distilled)),
                         config_for(model));

  const Tensors gapped = original_layout(distilled, {3, 3});
  // What the converter leaves: gaps at input_blocks.2 and .5 and output_blocks.5, output_blocks.2
  // holding only the upsampler, and no middle block.
  EXPECT_TRUE(gapped.contains(unet_prefix + "output_blocks.2.1.conv.weight"));
  for (const auto& [name, tensor] : gapped) {
    EXPECT_FALSE(name.starts_with(unet_prefix + "input_blocks.2.") ||
                 name.starts_with(unet_prefix + "output_blocks.2.0.") ||
                 name.starts_with(unet_prefix + "output_blocks.5.") || name.starts_with(unet_prefix + "middle_block."))
        << name;
  }
  const Weights gapped_weights = read_single_file_unet(write(folder / "gapped.safetensors", gapped));
  EXPECT_EQ(names(gapped_weights), names(distilled));
  const UNet from_gapped(gapped_weights, config_for(model));

  // Contiguous: input levels of 2 blocks (ResNet, downsampler), output levels of 2 blocks with the
  // upsampler ending the second ResNet's block.
  const Tensors contiguous = original_layout(distilled, {2, 2});
  EXPECT_TRUE(contiguous.contains(unet_prefix + "input_blocks.2.0.op.weight"));
  EXPECT_TRUE(contiguous.contains(unet_prefix + "output_blocks.1.1.conv.weight"));
  const Weights contiguous_weights = read_single_file_unet(write(folder / "contiguous.safetensors", contiguous));
  EXPECT_EQ(names(contiguous_weights), names(distilled));
  const UNet from_contiguous(contiguous_weights, config_for(model));

  // The two sides' strides are independent: the converter's on the input side, contiguous on the output.
  const Tensors mixed = original_layout(distilled, {3, 2});
  const Weights mixed_weights = read_single_file_unet(write(folder / "mixed.safetensors", mixed));
  EXPECT_EQ(names(mixed_weights), names(distilled));
  const UNet from_mixed(mixed_weights, config_for(model));

  const at::Tensor expected = forward(from_folder);
  EXPECT_TRUE(at::equal(forward(from_gapped), expected));
  EXPECT_TRUE(at::equal(forward(from_contiguous), expected));
  EXPECT_TRUE(at::equal(forward(from_mixed), expected));
  // A different network from its teacher, though the same shapes.
  const UNet teacher(read_component(test::models() / model / "unet" / "diffusion_pytorch_model.safetensors"),
                     config_for(model));
  const at::Tensor teacher_output = forward(teacher);
  ASSERT_EQ(teacher_output.sizes(), expected.sizes());
  EXPECT_GT((teacher_output - expected).abs().max().item<double>(), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Models, DistilledUNet, ::testing::Values("sd1", "sd2"),
                         [](const auto& test_case) { return test_case.param; });

// The names of a UNet shaped like BK-SDM-small: SD1.5's four levels (attention in down levels 0–2 and
// up levels 1–3), one ResNet per down level, two per up level, no middle block. The renaming does not
// look at shapes, so every tensor is a one-element placeholder holding its own number.
Tensors bk_sdm_small_placeholders() {
  Tensors unet;
  const auto add = [&](const std::string& name) {
    for (const std::string kind : {"weight", "bias"})
      unet[name + "." + kind] = at::full({1}, static_cast<float>(unet.size()));
  };
  const auto resnet = [&](const std::string& base, bool shortcut) {
    for (const std::string part : {"norm1", "conv1", "time_emb_proj", "norm2", "conv2"}) add(base + part);
    if (shortcut) add(base + "conv_shortcut");
  };
  const auto attention = [&](const std::string& base) {
    for (const std::string part :
         {"norm", "proj_in", "transformer_blocks.0.norm1", "transformer_blocks.0.attn2.to_out.0",
          "transformer_blocks.0.ff.net.2", "proj_out"}) {
      add(base + part);
    }
  };
  for (const std::string part :
       {"time_embedding.linear_1", "time_embedding.linear_2", "conv_in", "conv_norm_out", "conv_out"})
    add(part);
  for (int level = 0; level < 4; ++level) {
    const std::string down = "down_blocks." + std::to_string(level) + ".";
    resnet(down + "resnets.0.", level == 1 || level == 2);
    if (level < 3) {
      attention(down + "attentions.0.");
      add(down + "downsamplers.0.conv");
    }
    const std::string up = "up_blocks." + std::to_string(level) + ".";
    for (int index = 0; index < 2; ++index) {
      resnet(up + "resnets." + std::to_string(index) + ".", true);
      if (level > 0) attention(up + "attentions." + std::to_string(index) + ".");
    }
    if (level < 3) add(up + "upsamplers.0.conv");
  }
  return unet;
}

// Four levels exercise what the two-level reference cannot: strides checked across levels, upsamplers
// at part .2 (alone in their block as the converter writes them, or after a ResNet and an attention
// when numbered contiguously), a last down level without attention.
TEST(DistilledUNetNames, FourLevelsComeBackTensorForTensor) {
  const Tensors unet = bk_sdm_small_placeholders();
  const fs::path folder = easel::test::temp_dir();
  for (const auto& [label, numbering] :
       std::vector<std::pair<std::string, Numbering>>{{"gapped", {3, 3}}, {"contiguous", {2, 2}}}) {
    const Tensors file = original_layout(unet, numbering);
    const Weights weights = read_single_file_unet(write(folder / (label + ".safetensors"), file));
    ASSERT_EQ(names(weights), names(unet)) << label;
    for (const auto& [name, tensor] : unet) EXPECT_TRUE(at::equal(weights.get(name), tensor)) << label << " " << name;
    if (label == "gapped") {
      EXPECT_TRUE(file.contains(unet_prefix + "output_blocks.5.2.conv.weight"));
      EXPECT_FALSE(file.contains(unet_prefix + "output_blocks.5.0.in_layers.2.weight") ||
                   file.contains(unet_prefix + "input_blocks.11.0.in_layers.0.weight"));
    } else {
      EXPECT_TRUE(file.contains(unet_prefix + "output_blocks.3.1.norm.weight") &&
                  file.contains(unet_prefix + "output_blocks.3.2.conv.weight"));
    }
  }
}

// A whole distilled checkpoint, as a diffusers folder (sd1's other components) and as one file (sd1's
// other components in their original keys), through load_model.
TEST(DistilledModel, SingleFileCheckpointLoadsAsItsFolder) {
  const fs::path root = easel::test::temp_dir();
  const fs::path folder = root / "bk-sdm-like";
  fs::create_directories(folder / "unet");
  for (const std::string part : {"model_index.json", "text_encoder", "tokenizer", "vae", "scheduler"}) {
    fs::create_symlink(fs::absolute(test::models() / "sd1" / part), folder / part);
  }
  const Tensors distilled = distilled_unet("sd1");
  write(folder / "unet" / "diffusion_pytorch_model.safetensors", distilled);
  std::ifstream reference_config(test::models() / "sd1" / "unet" / "config.json");
  nlohmann::json config = nlohmann::json::parse(reference_config);
  config["layers_per_block"] = 1;
  config["mid_block_type"] = nullptr;
  std::ofstream(folder / "unet" / "config.json") << config.dump(2);

  Tensors checkpoint = original_layout(distilled, {3, 3});
  const SafetensorsFile sd1(test::models() / "sd1.safetensors");
  for (const auto& [name, info] : sd1.tensors()) {
    if (!name.starts_with(unet_prefix)) checkpoint[name] = read_tensor(sd1, name);
  }
  const fs::path file = write(root / "bk-sdm-like.safetensors", checkpoint);
  std::ofstream(root / "bk-sdm-like.easel.json") << easel::test::reference_sidecar("sd1").dump();

  ModelOptions options;
  options.tokenizer_dir = test::sd_reference() / "tokenizer";
  const StableDiffusionModel from_folder = load_model(folder, options);
  const StableDiffusionModel from_file = load_model(file, options);
  const at::Tensor context = encode_prompt(from_folder, "a photo of a cat");
  EXPECT_TRUE(at::equal(encode_prompt(from_file, "a photo of a cat"), context));
  at::manual_seed(3);
  const at::Tensor latents = at::randn({1, 4, 6, 10});
  const at::Tensor timestep = at::full({}, 500.0f);
  EXPECT_TRUE(at::equal(from_file.unet.forward(latents, timestep, context),
                        from_folder.unet.forward(latents, timestep, context)));
}

// The gapped file with one block's tensors moved or changed: each error names the first tensor that
// does not fit.
class BrokenDistilledFile : public ::testing::Test {
 protected:
  Tensors gapped = original_layout(distilled_unet("sd1"), {3, 3});
  fs::path folder = easel::test::temp_dir();

  // Renames every tensor of block `from` (e.g. "input_blocks.1.1.") to block `to`.
  void move_block(const std::string& from, const std::string& to) {
    Tensors moved;
    for (const auto& [name, tensor] : gapped) {
      moved[name.starts_with(unet_prefix + from) ? unet_prefix + to + name.substr(unet_prefix.size() + from.size())
                                                 : name] = tensor;
    }
    gapped = std::move(moved);
  }

  void remove_block(const std::string& block) {
    std::erase_if(gapped, [&](const auto& entry) { return entry.first.starts_with(unet_prefix + block); });
  }

  void expect_layout_error(const std::string& tensor, const std::string& why) {
    const fs::path file = write(folder / "broken.safetensors", gapped);
    expect_error(
        [&] { read_single_file_unet(file); }, ErrorKind::input,
        "tensor '" + unet_prefix + tensor + "' in " + file.string() + " does not fit the UNet block layout: " + why);
  }
};

TEST_F(BrokenDistilledFile, AttentionInAGapWithoutItsResNet) {
  move_block("input_blocks.1.1.", "input_blocks.2.1.");
  expect_layout_error("input_blocks.2.1.norm.bias",
                      "an attention follows a ResNet block, and input_blocks.2.0 is missing");
}

TEST_F(BrokenDistilledFile, ResNetInTheDownsamplersBlock) {
  move_block("input_blocks.4.0.", "input_blocks.3.0.");
  expect_layout_error("input_blocks.3.0.emb_layers.1.bias", "input_blocks.3 holds level 0's downsampler only");
}

TEST_F(BrokenDistilledFile, UpsamplerWhereNoLevelEnds) {
  move_block("output_blocks.2.1.", "output_blocks.1.1.");
  expect_layout_error("output_blocks.4.0.emb_layers.1.bias", "it lies past the last of 2 levels of 2 blocks");
}

TEST_F(BrokenDistilledFile, UpsamplerMissing) {
  remove_block("output_blocks.2.");
  expect_layout_error(
      "input_blocks.3.0.op.bias",
      "no upsampler matches this downsampler (upsamplers in output_blocks: 0, downsamplers in input_blocks: 1)");
}

TEST_F(BrokenDistilledFile, LevelWithoutResNets) {
  remove_block("input_blocks.4.");
  expect_layout_error("input_blocks.3.0.op.bias", "the last level has no ResNet block after this resampler");
}

TEST_F(BrokenDistilledFile, ResNetOfTheWrongWidth) {
  gapped[unet_prefix + "output_blocks.4.0.in_layers.2.weight"] = at::zeros({16, 24, 3, 3});
  const Weights weights = read_single_file_unet(write(folder / "misshaped.safetensors", gapped));
  expect_error([&] { UNet(weights, config_for("sd1")); }, ErrorKind::input,
               "tensor 'up_blocks.1.resnets.1.conv1.weight' of shape (16, 24, 3, 3) does not fit");
}

}  // namespace
}  // namespace easel::diffusion
