#include "easel/diffusion/model.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/runtime.hpp"
#include "easel/diffusion/safetensors.hpp"

namespace easel::diffusion {
namespace {

constexpr std::int64_t real_head_width = 64;

ClipTokenizer read_tokenizer(const std::vector<std::filesystem::path>& folders) {
  for (const auto& folder : folders) {
    if (folder.empty()) continue;
    if (std::filesystem::exists(folder / "vocab.json") && std::filesystem::exists(folder / "merges.txt")) {
      return ClipTokenizer::from_vocab_and_merges(folder / "vocab.json", folder / "merges.txt");
    }
    if (std::filesystem::exists(folder / "bpe_simple_vocab_16e6.txt.gz")) return ClipTokenizer::from_gzipped_bpe(folder / "bpe_simple_vocab_16e6.txt.gz");
  }
  std::string searched;
  for (const auto& folder : folders) {
    if (!folder.empty()) searched += (searched.empty() ? "" : ", ") + folder.string();
  }
  throw Error(ErrorKind::capability, "no CLIP tokenizer files (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz) in " +
                                         (searched.empty() ? std::string("any folder") : searched) +
                                         ": put them in the model's tokenizer/ folder (for a single file: a tokenizer/ folder beside it), "
                                         "or point EASEL_TOKENIZER at a folder that holds them");
}

// The component folder, from the model or else from the base folder.
std::filesystem::path component(const std::filesystem::path& folder, const ModelOptions& options, const std::string& name) {
  if (std::filesystem::is_directory(folder / name)) return folder / name;
  if (!options.base_folder.empty() && std::filesystem::is_directory(options.base_folder / name)) return options.base_folder / name;
  throw Error(ErrorKind::capability, "model folder " + folder.string() + " has no " + name + "/ (download the full diffusers folder, or name a base model)");
}

// The type each network holds its weights and computes in: with bf16 all three, each measured faster in
// bfloat16 (UNet 3×, text encoder 15×, VAE decode 1.5×; docs/diffusion.md, Precision).
struct ComponentTypes {
  at::ScalarType text_encoder = at::kFloat;
  at::ScalarType unet = at::kFloat;
  at::ScalarType vae = at::kFloat;
};

ComponentTypes component_types(Precision precision) {
  if (precision == Precision::fp32) return {};
  return {at::kBFloat16, at::kBFloat16, at::kBFloat16};
}

// A component's weights as its network takes them.
Weights weights_as(Weights weights, at::ScalarType type) {
  if (type != at::kFloat) weights.hand_out_as(type);
  return weights;
}

bool pads_with_exclamation(const std::filesystem::path& tokenizer_folder) {
  std::ifstream in(tokenizer_folder / "special_tokens_map.json");
  if (!in) return false;
  const auto json = nlohmann::json::parse(in, nullptr, false);
  return !json.is_discarded() && json.contains("pad_token") && json["pad_token"] == "!";
}

StableDiffusionModel load_folder(const std::filesystem::path& folder, const ModelOptions& options) {
  const auto text_folder = component(folder, options, "text_encoder");
  const auto tokenizer_folder = component(folder, options, "tokenizer");
  const auto unet_folder = component(folder, options, "unet");
  const auto vae_folder = component(folder, options, "vae");
  const auto scheduler_folder = component(folder, options, "scheduler");
  const ModelFamily family = pads_with_exclamation(tokenizer_folder) ? ModelFamily::sd2 : ModelFamily::sd1;
  SchedulerConfig scheduler = SchedulerConfig::from_json_file(scheduler_folder / "scheduler_config.json");
  if (options.prediction) scheduler.prediction = *options.prediction;
  ClipTokenizer tokenizer = read_tokenizer({tokenizer_folder, options.tokenizer_dir});
  // One statement per component: the weights read for one (and the copies a network makes of them)
  // are freed before the next file is read, which keeps the peak of loading near the model's size.
  const ComponentTypes types = component_types(options.precision);
  TextEncoder text_encoder(weights_as(read_component(text_folder / "model.safetensors"), types.text_encoder),
                           TextEncoderConfig::from_json_file(text_folder / "config.json"));
  UNet unet(weights_as(read_component(unet_folder / "diffusion_pytorch_model.safetensors"), types.unet),
            UNetConfig::from_json_file(unet_folder / "config.json"));
  Vae vae(weights_as(read_component(vae_folder / "diffusion_pytorch_model.safetensors"), types.vae), VaeConfig::from_json_file(vae_folder / "config.json"));
  return StableDiffusionModel{family,
                              std::move(tokenizer),
                              family == ModelFamily::sd2 ? ClipTokenizer::sd2_pad_id : ClipTokenizer::sd1_pad_id,
                              std::move(text_encoder),
                              std::move(unet),
                              std::move(vae),
                              scheduler};
}

StableDiffusionModel load_single_file(const std::filesystem::path& file, const ModelOptions& options) {
  const ModelFamily family = SafetensorsFile(file).contains("cond_stage_model.model.ln_final.weight") ? ModelFamily::sd2 : ModelFamily::sd1;
  const ComponentTypes types = component_types(options.precision);
  // Each component's weights are freed before the next is read (see load_folder).
  TextEncoder text_encoder = [&] {
    const Weights text = weights_as(read_single_file_text_encoder(file), types.text_encoder);
    const std::int64_t text_width = text.get("text_model.final_layer_norm.weight").size(0);
    const TextEncoderConfig text_config{options.text_heads.value_or(text_width / real_head_width),
                                        family == ModelFamily::sd2 ? Activation::gelu : Activation::quick_gelu, 1e-5};
    return TextEncoder(text, text_config);
  }();
  UNet unet = [&] {
    const Weights unet_weights = weights_as(read_single_file_unet(file), types.unet);
    UNetConfig unet_config;
    unet_config.norm_groups = options.norm_groups.value_or(32);
    if (options.unet_heads) {
      unet_config.heads_per_level = *options.unet_heads;
    } else if (family == ModelFamily::sd1) {
      unet_config.heads_per_level = {8};
    } else {
      unet_config.heads_per_level.clear();
      for (int level = 0; unet_weights.contains("down_blocks." + std::to_string(level) + ".resnets.0.conv1.weight"); ++level) {
        unet_config.heads_per_level.push_back(unet_weights.get("down_blocks." + std::to_string(level) + ".resnets.0.conv1.weight").size(0) /
                                              real_head_width);
      }
    }
    return UNet(unet_weights, unet_config);
  }();
  Vae vae(weights_as(read_single_file_vae(file), types.vae), VaeConfig{options.norm_groups.value_or(32), 0.18215});
  SchedulerConfig scheduler;
  if (options.prediction) scheduler.prediction = *options.prediction;
  return StableDiffusionModel{family,
                              read_tokenizer({file.parent_path() / "tokenizer", options.tokenizer_dir}),
                              family == ModelFamily::sd2 ? ClipTokenizer::sd2_pad_id : ClipTokenizer::sd1_pad_id,
                              std::move(text_encoder),
                              std::move(unet),
                              std::move(vae),
                              scheduler};
}

}  // namespace

at::Tensor encode_prompt(const StableDiffusionModel& model, std::string_view prompt, int clip_skip) {
  std::vector<at::Tensor> states;
  for (const auto& window : model.tokenizer.windows(prompt, model.pad_id)) {
    const at::Tensor ids = at::tensor(at::ArrayRef<std::int64_t>(window), at::kLong).unsqueeze(0);
    states.push_back(model.text_encoder.encode(ids, clip_skip));
  }
  return at::cat(states, 1);
}

StableDiffusionModel load_model(const std::filesystem::path& path, const ModelOptions& options) {
  check_precision_supported(options.precision);
  if (std::filesystem::is_directory(path)) {
    if (!std::filesystem::exists(path / "model_index.json")) {
      throw Error(ErrorKind::input, path.string() + " is not a diffusers model folder (no model_index.json)");
    }
    StableDiffusionModel model = load_folder(path, options);
    release_freed_memory();  // loading's freed temporaries (each tensor's file copy) stay in glibc's arenas otherwise
    return model;
  }
  if (!std::filesystem::exists(path)) {
    throw Error(ErrorKind::capability, "model " + path.string() + " not found: place a .safetensors checkpoint or a diffusers folder there");
  }
  if (path.extension() != ".safetensors") {
    throw Error(ErrorKind::input, path.string() + ": only .safetensors weights are loaded (pickled .ckpt files can run code when read)");
  }
  StableDiffusionModel model = load_single_file(path, options);
  release_freed_memory();
  return model;
}

}  // namespace easel::diffusion
