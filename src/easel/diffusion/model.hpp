#pragma once
// A complete Stable Diffusion 1.x / 2.x model — tokenizer, text encoder, UNet, VAE and the scheduler
// settings — from either layout: a diffusers folder (configs read from its JSON files) or an original
// single-file checkpoint (architecture inferred from tensor names and shapes).
#include <filesystem>
#include <optional>
#include <vector>

#include "easel/diffusion/precision.hpp"
#include "easel/diffusion/scheduler.hpp"
#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/tokenizer.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/vae.hpp"

namespace easel::diffusion {

enum class ModelFamily { sd1, sd2 };

struct ModelOptions {
  // Tokenizer files (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz) for models without
  // their own, such as single files.
  std::filesystem::path tokenizer_dir;
  // Diffusers folder whose text encoder, tokenizer and VAE complete a folder that lacks them (the
  // inpainting and InstructPix2Pix folders often ship only their UNet).
  std::filesystem::path base_folder;
  // What a single file cannot say; the defaults are those of the real SD1.5 / SD2.1 networks
  // (GroupNorm 32 groups; SD1: 8 UNet heads per level, SD2: 64-wide heads; text heads 64-wide).
  std::optional<std::int64_t> norm_groups;
  std::optional<std::vector<std::int64_t>> unet_heads;
  std::optional<std::int64_t> text_heads;
  std::optional<PredictionType> prediction;
  // What the networks compute in (precision.hpp); bf16 on a CPU without bfloat16 instructions is a
  // capability error.
  Precision precision = Precision::fp32;
};

struct StableDiffusionModel {
  ModelFamily family;
  ClipTokenizer tokenizer;
  std::int64_t pad_id;  // 49407 (SD1) or 0 = "!" (SD2)
  TextEncoder text_encoder;
  UNet unet;
  Vae vae;
  SchedulerConfig scheduler;
};

// The UNet's text conditioning for a prompt: (1, 77·k, width). Prompts over 75 tokens are encoded
// in windows of 75 (ClipTokenizer::windows) whose states are concatenated along the token axis.
at::Tensor encode_prompt(const StableDiffusionModel& model, std::string_view prompt, int clip_skip = 0);

// A folder with model_index.json or a .safetensors file. Missing files are capability errors naming
// them; files that do not fit are input errors naming the first tensor that does not.
StableDiffusionModel load_model(const std::filesystem::path& path, const ModelOptions& options = {});

}  // namespace easel::diffusion
