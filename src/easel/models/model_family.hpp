#pragma once
// What a Stable Diffusion checkpoint is, read from its files without loading any weights: the family
// (SD1, SD2, SD-Turbo), the UNet's input channels (4 ordinary, 9 inpainting, 8 InstructPix2Pix), the
// components present, and therefore which generative operations it can serve.
#include <filesystem>
#include <string>
#include <vector>

namespace easel::models {

enum class ModelLayout { single_file, diffusers };

struct ModelTraits {
  ModelLayout layout = ModelLayout::diffusers;
  std::string family;      // "SD1", "SD2", "SD-Turbo", "unsupported" (e.g. SDXL), or "unknown"
  std::string variant;     // "text-to-image", "inpainting", "instruct-pix2pix", or "unknown"
  int in_channels = 0;     // of the UNet's first convolution; 0 when there is no UNet
  std::string prediction;  // "epsilon", "v_prediction", or "unknown" (single files do not record it)
  std::vector<std::string> components;  // present: unet, vae, text_encoder, tokenizer, scheduler
  std::vector<std::string> missing;     // needed to run but absent (taken from a base model of the family)
  std::vector<std::string> enables;     // registry op names this model can serve
};

const char* layout_name(ModelLayout layout);

// `model` is a .safetensors file or a diffusers folder; `name` is only used for the SD-Turbo hint (a
// single-file SD-Turbo checkpoint has the same tensors as SD2.1 base, so its name is the only clue).
// Throws Error(ErrorKind::input) when a config or safetensors header cannot be read.
ModelTraits inspect_model(const std::filesystem::path& model, const std::string& name);

}  // namespace easel::models
