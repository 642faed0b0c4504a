#include "easel/models/model_family.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/safetensors.hpp"

namespace easel::models {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::input, "cannot read " + file.string());
  json value = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded() || !value.is_object())
    throw Error(ErrorKind::input, file.string() + " is not a JSON object");
  return value;
}

bool contains_turbo(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text.find("turbo") != std::string::npos;
}

bool has_safetensors(const fs::path& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.path().extension() == ".safetensors") return true;
  return false;
}

// Ops a UNet with this many input channels serves. An ordinary 4-channel model inpaints by blending
// its latents inside the mask; a 9-channel model conditions on the mask and masked image itself.
std::vector<std::string> ops_for(int in_channels) {
  switch (in_channels) {
    case 4:
      return {"generate.image", "generate.img2img", "object.add",  "object.replace",
              "object.remove",  "background.replace", "canvas.expand", "text.replace"};
    case 9:
      return {"object.add", "object.replace", "object.remove", "background.replace", "canvas.expand", "text.replace"};
    case 8:
      return {"generate.instruct"};
    default:
      return {};
  }
}

const char* variant_for(int in_channels) {
  switch (in_channels) {
    case 4: return "text-to-image";
    case 9: return "inpainting";
    case 8: return "instruct-pix2pix";
    default: return "unknown";
  }
}

void finish(ModelTraits& traits) {
  traits.variant = variant_for(traits.in_channels);
  for (const char* needed : {"unet", "vae", "text_encoder"})
    if (std::find(traits.components.begin(), traits.components.end(), needed) == traits.components.end())
      traits.missing.emplace_back(needed);
  if (traits.family != "unsupported") traits.enables = ops_for(traits.in_channels);
}

// Diffusers folder: the UNet config gives the input channels; SD2 (OpenCLIP ViT-H) is the family whose
// transformers use linear projections, SD1 (CLIP ViT-L) uses 1x1 convolutions. SD-Turbo is SD2.1 with a
// "trailing" timestep schedule for 1-4 step sampling.
ModelTraits inspect_diffusers(const fs::path& folder, const std::string& name) {
  ModelTraits traits;
  traits.layout = ModelLayout::diffusers;
  read_json(folder / "model_index.json");  // a folder whose index does not parse is no diffusers model
  json unet_config;
  if (fs::is_regular_file(folder / "unet" / "config.json") && has_safetensors(folder / "unet")) {
    traits.components.emplace_back("unet");
    unet_config = read_json(folder / "unet" / "config.json");
  }
  if (fs::is_regular_file(folder / "vae" / "config.json") && has_safetensors(folder / "vae"))
    traits.components.emplace_back("vae");
  if (fs::is_regular_file(folder / "text_encoder" / "config.json") && has_safetensors(folder / "text_encoder"))
    traits.components.emplace_back("text_encoder");
  if (fs::is_regular_file(folder / "tokenizer" / "vocab.json") && fs::is_regular_file(folder / "tokenizer" / "merges.txt"))
    traits.components.emplace_back("tokenizer");
  json scheduler_config;
  if (fs::is_regular_file(folder / "scheduler" / "scheduler_config.json")) {
    traits.components.emplace_back("scheduler");
    scheduler_config = read_json(folder / "scheduler" / "scheduler_config.json");
  }

  traits.in_channels = unet_config.value("in_channels", 0);
  traits.prediction = scheduler_config.value("prediction_type", std::string("unknown"));
  const std::string spacing = scheduler_config.value("timestep_spacing", std::string());
  if (unet_config.is_null()) {
    traits.family = "unknown";
  } else if (!unet_config.value("addition_embed_type", json()).is_null()) {
    traits.family = "unsupported";  // SDXL and later: extra conditioning Easel's engine does not implement
  } else if (unet_config.value("use_linear_projection", false)) {
    traits.family = (spacing == "trailing" || contains_turbo(name)) ? "SD-Turbo" : "SD2";
  } else {
    traits.family = "SD1";
  }
  finish(traits);
  return traits;
}

// Single file in the original CompVis/Stability key layout: model.diffusion_model.* is the UNet,
// first_stage_model.* the VAE, cond_stage_model.transformer.* a CLIP text model (SD1) and
// cond_stage_model.model.* an OpenCLIP one (SD2). SD2's proj_in is a linear layer (2-D weight).
ModelTraits inspect_single_file(const fs::path& file, const std::string& name) {
  ModelTraits traits;
  traits.layout = ModelLayout::single_file;
  traits.prediction = "unknown";
  const diffusion::SafetensorsFile weights(file);
  const auto has_prefix = [&](const std::string& prefix) {
    const auto it = weights.tensors().lower_bound(prefix);
    return it != weights.tensors().end() && it->first.starts_with(prefix);
  };
  if (has_prefix("model.diffusion_model.")) traits.components.emplace_back("unet");
  if (has_prefix("first_stage_model.")) traits.components.emplace_back("vae");
  if (has_prefix("cond_stage_model.")) traits.components.emplace_back("text_encoder");

  const std::string conv_in = "model.diffusion_model.input_blocks.0.0.weight";
  if (weights.contains(conv_in) && weights.info(conv_in).shape.size() == 4)
    traits.in_channels = static_cast<int>(weights.info(conv_in).shape[1]);
  const std::string proj_in = "model.diffusion_model.input_blocks.1.1.proj_in.weight";
  if (!weights.contains(conv_in)) {
    traits.family = "unknown";
  } else if (has_prefix("conditioner.embedders.")) {
    traits.family = "unsupported";  // SDXL's two text encoders
  } else if ((weights.contains(proj_in) && weights.info(proj_in).shape.size() == 2) ||
             has_prefix("cond_stage_model.model.")) {
    traits.family = contains_turbo(name) || contains_turbo(file.filename().string()) ? "SD-Turbo" : "SD2";
  } else {
    traits.family = "SD1";
  }
  finish(traits);
  return traits;
}

}  // namespace

const char* layout_name(ModelLayout layout) {
  return layout == ModelLayout::single_file ? "single-file" : "diffusers";
}

ModelTraits inspect_model(const fs::path& model, const std::string& name) {
  if (fs::is_directory(model)) return inspect_diffusers(model, name);
  return inspect_single_file(model, name);
}

}  // namespace easel::models
