#pragma once
// A complete Stable Diffusion 1.x / 2.x / XL model — tokenizer, text encoder(s), UNet, VAE and the
// scheduler settings — from either layout: a diffusers folder (configs read from its JSON files) or an original
// single-file checkpoint (architecture from tensor names and shapes, hyper-parameters from its sidecar
// or those of the real networks: single_file_settings.hpp). A model that lacks components (a UNet-only
// inpainting or InstructPix2Pix model) takes them from its base.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "easel/model_files/model_config.hpp"
#include "easel/diffusion/lora.hpp"
#include "easel/diffusion/precision.hpp"
#include "easel/diffusion/scheduler.hpp"
#include "easel/diffusion/sdxl_text.hpp"
#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/tokenizer.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/vae.hpp"

namespace easel::diffusion {

struct ModelOptions {
  // Tokenizer files (vocab.json + merges.txt, or bpe_simple_vocab_16e6.txt.gz) for models without
  // their own, such as single files.
  std::filesystem::path tokenizer_dir;
  // The model (a diffusers folder or a single file) whose text encoder, tokenizer and VAE — and
  // scheduler, when the model has none — complete a model that lacks them. Empty: the base the model's
  // sidecar names, if any.
  std::filesystem::path base;
  // Finds a base the sidecar names by model name (the engine passes its model lookup); unset: names
  // are taken as paths.
  std::function<std::filesystem::path(const std::string&)> resolve_base_name;
  // What the networks compute in (precision.hpp); bf16 on a CPU without bfloat16 instructions is a
  // capability error.
  Precision precision = Precision::fp32;
  // LoRA files merged into the text encoder and UNet as they load (lora.hpp), in this order.
  std::vector<LoraUse> loras;
};

// SDXL's text conditioning and the two pipeline flags diffusers keeps in model_index.json.
struct SdxlConditioning {
  SdxlTextEncoders encoders;
  // No negative prompt: zero embeddings instead of the encoded "" (force_zeros_for_empty_prompt; the
  // base's true, the refiner's false).
  bool zeros_for_empty_negative = true;
  // The refiner's time ids: an aesthetic score in place of the target size (requires_aesthetics_score).
  bool aesthetic_time_ids = false;
};

// The LoRA set merged into a model, and what change_loras needs to merge another one in place: the
// files its text encoders and UNet came from, the weights the set changed per component, and the types
// the networks hold.
struct MergedLoras {
  std::vector<LoraUse> uses;
  std::filesystem::path text_source;
  std::filesystem::path unet_source;
  std::map<LoraComponent, std::vector<std::string>> changed;
  at::ScalarType text_type = at::kFloat;
  at::ScalarType unet_type = at::kFloat;
};

struct StableDiffusionModel {
  ModelFamily family;
  ClipTokenizer tokenizer;
  std::int64_t pad_id;                      // 49407 (SD1) or 0 = "!" (SD2); SDXL's encoders use one each
  std::optional<TextEncoder> text_encoder;  // SD1 and SD2
  std::optional<SdxlConditioning> sdxl;     // SDXL, instead
  UNet unet;
  Vae vae;
  SchedulerConfig scheduler;
  std::filesystem::path base;  // the base that completed the model; empty: none was needed or named
  MergedLoras loras;
};

// The UNet's text conditioning for a prompt of an SD1/SD2 model: (1, 77·k, width). Prompts over 75
// tokens are encoded in windows of 75 (ClipTokenizer::windows) whose states are concatenated along the
// token axis.
at::Tensor encode_prompt(const StableDiffusionModel& model, std::string_view prompt, int clip_skip = 0);

// A folder with model_index.json or a .safetensors file. Missing files (a component without a base, a
// sidecar a single file needs) are capability errors naming them and how to provide them; files that
// do not fit are input errors naming the first tensor, config field or component that does not.
StableDiffusionModel load_model(const std::filesystem::path& path, const ModelOptions& options = {});

// Replaces the model's LoRA set by `loras` without loading the model again: only the weights the old
// set or the new one change are read from the model's files, merged with the new set and put into the
// networks in place — bit-identical to loading the model with `loras` (none: to the model without
// LoRAs). A set that does not fit the model (lora.hpp's errors) leaves the model as it was.
void change_loras(StableDiffusionModel& model, const std::vector<LoraUse>& loras);

}  // namespace easel::diffusion
