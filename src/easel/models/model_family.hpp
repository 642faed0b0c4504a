#pragma once
// What a Stable Diffusion checkpoint is, read from its files without loading any weights: the family
// (SD1, SD2, SD-Turbo, SDXL, SDXL-Turbo, SDXL-refiner), the UNet's input channels (4 ordinary, 9 inpainting, 8
// InstructPix2Pix), the components present, and therefore which generative operations it can serve.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "easel/models/model_paths.hpp"

namespace easel::models {

enum class ModelLayout { single_file, diffusers };

struct ModelTraits {
  ModelLayout layout = ModelLayout::diffusers;
  // "SD1", "SD2", "SD-Turbo", "SDXL", "SDXL-Turbo", "SDXL-refiner", "LoRA", "unsupported" (a UNet with
  // another added conditioning), or "unknown"
  std::string family;
  std::string variant;                  // "text-to-image", "inpainting", "instruct-pix2pix", or "unknown"
  int in_channels = 0;                  // of the UNet's first convolution; 0 when there is no UNet
  std::string prediction;               // "epsilon", "v_prediction", or "unknown" (single files do not record it)
  std::vector<std::string> components;  // present: unet, vae, text_encoder, text_encoder_2, tokenizer, scheduler
  std::vector<std::string> missing;     // needed to run but absent (taken from a base model of the family)
  std::vector<std::string> enables;     // registry op names this model can serve
  std::string base;                     // the base model its sidecar names (as written); empty: none
  // Why the model cannot be used although its files could be read: a single file whose tensors need
  // a sidecar it lacks, a UNet-only model without a usable base. Empty when it can be used.
  std::string problem;
  std::int64_t text_width = 0;     // the text encoders' width (SDXL: both together; 0: none, or unknown)
  std::int64_t big_g_width = 0;    // SDXL: text_encoder_2's alone, which a refiner's UNet takes (0: none)
  std::int64_t context_width = 0;  // the text width the UNet's cross-attention takes (0: unknown)
};

const char* layout_name(ModelLayout layout);

// `model` is a .safetensors file or a diffusers folder; `name` is only used for the Turbo hint (a
// single-file SD-Turbo or SDXL-Turbo checkpoint has the same tensors as its base model, so its name is
// the only clue).
// Configs, headers and sidecars are read by the engine's own validating readers (easel/diffusion/
// model_config.hpp, single_file_settings.hpp), so a model listed as usable is one the engine accepts.
// A model that lacks components is usable when its sidecar names a base that is installed, supplies
// them and fits (the base's own base is not followed; a base named rather than given by path is looked up
// in `paths`). Throws Error(ErrorKind::input) when a config, sidecar or safetensors header cannot be read.
ModelTraits inspect_model(const ModelPaths& paths, const std::filesystem::path& model, const std::string& name);

}  // namespace easel::models
