#include "easel/models/model_family.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "easel/core/error.hpp"
#include "easel/model_files/model_config.hpp"
#include "easel/model_files/model_sidecar.hpp"
#include "easel/model_files/safetensors.hpp"
#include "easel/model_files/lora_keys.hpp"
#include "easel/model_files/single_file_settings.hpp"
#include "easel/models/model_catalog.hpp"
#include "easel/ops/generative_operations.hpp"

namespace easel::models {
namespace fs = std::filesystem;

namespace {

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

const char* variant_for(int in_channels) {
  switch (in_channels) {
    case 4:
      return "text-to-image";
    case 9:
      return "inpainting";
    case 8:
      return "instruct-pix2pix";
    default:
      return "unknown";
  }
}

bool sdxl_family(const std::string& family) { return family.starts_with("SDXL"); }

// SDXL's family name: the refiner conditions on bigG's text alone and an aesthetic score; Turbo is told
// by its trailing schedule or its name.
std::string sdxl_family_name(bool refiner, bool turbo) {
  return refiner ? "SDXL-refiner" : turbo ? "SDXL-Turbo" : "SDXL";
}

void finish(ModelTraits& traits) {
  traits.variant = variant_for(traits.in_channels);
  std::vector<const char*> needed = {"unet", "vae", "text_encoder"};
  if (sdxl_family(traits.family)) {
    needed.back() = "text_encoder_2";
    if (traits.family != "SDXL-refiner") needed.push_back("text_encoder");
  }
  for (const char* part : needed)
    if (std::find(traits.components.begin(), traits.components.end(), part) == traits.components.end())
      traits.missing.emplace_back(part);
  if (traits.family != "unsupported") traits.enables = operations_for_unet(traits.in_channels);
}

const char* prediction_name(diffusion::PredictionType prediction) {
  return prediction == diffusion::PredictionType::v_prediction ? "v_prediction" : "epsilon";
}

bool has(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// Diffusers folder: the UNet config gives the input channels; SDXL's UNet takes the "text_time" added
// embedding (its refiner says requires_aesthetics_score in model_index.json); SD2 (OpenCLIP ViT-H) is the
// family whose transformers use linear projections, SD1 (CLIP ViT-L) uses 1x1 convolutions. SD-Turbo is SD2.1 with a
// "trailing" timestep schedule for 1-4 step sampling. Each config is read by the engine's reader.
ModelTraits inspect_diffusers(const fs::path& folder, const std::string& name) {
  ModelTraits traits;
  traits.layout = ModelLayout::diffusers;
  // A folder whose index does not parse is no diffusers model.
  const diffusion::ModelIndex index = diffusion::read_model_index(folder / "model_index.json");
  std::optional<diffusion::UNetConfig> unet;
  if (fs::is_regular_file(folder / "unet" / "config.json") && has_safetensors(folder / "unet")) {
    traits.components.emplace_back("unet");
    unet = diffusion::UNetConfig::from_json_file(folder / "unet" / "config.json");
  }
  if (fs::is_regular_file(folder / "vae" / "config.json") && has_safetensors(folder / "vae")) {
    traits.components.emplace_back("vae");
    diffusion::VaeConfig::from_json_file(folder / "vae" / "config.json");
  }
  if (fs::is_regular_file(folder / "text_encoder" / "config.json") && has_safetensors(folder / "text_encoder")) {
    traits.components.emplace_back("text_encoder");
    traits.text_width =
        diffusion::TextEncoderConfig::from_json_file(folder / "text_encoder" / "config.json").hidden_size;
  }
  if (fs::is_regular_file(folder / "text_encoder_2" / "config.json") && has_safetensors(folder / "text_encoder_2")) {
    traits.components.emplace_back("text_encoder_2");
    traits.big_g_width =
        diffusion::TextEncoderConfig::from_json_file(folder / "text_encoder_2" / "config.json").hidden_size;
    traits.text_width += traits.big_g_width;
  }
  for (const char* tokenizer : {"tokenizer", "tokenizer_2"}) {
    if (fs::is_regular_file(folder / tokenizer / "vocab.json") &&
        fs::is_regular_file(folder / tokenizer / "merges.txt")) {
      traits.components.emplace_back("tokenizer");
      break;
    }
  }
  traits.prediction = "unknown";
  bool trailing = false;
  if (fs::is_regular_file(folder / "scheduler" / "scheduler_config.json")) {
    traits.components.emplace_back("scheduler");
    const auto scheduler = diffusion::SchedulerConfig::from_json_file(folder / "scheduler" / "scheduler_config.json");
    traits.prediction = prediction_name(scheduler.prediction);
    trailing = scheduler.spacing == diffusion::TimestepSpacing::trailing;
  }
  traits.in_channels = unet ? static_cast<int>(unet->in_channels) : 0;
  traits.context_width = unet ? unet->cross_attention_dim : 0;
  if (!unet) {
    traits.family = "unknown";
  } else if (unet->addition_embed_type == "text_time") {
    traits.family = sdxl_family_name(index.requires_aesthetics_score.value_or(false), trailing || contains_turbo(name));
  } else if (!unet->addition_embed_type.empty()) {
    traits.family = "unsupported";  // a later model's added conditioning, which Easel's engine does not implement
  } else if (unet->use_linear_projection) {
    traits.family = (trailing || contains_turbo(name)) ? "SD-Turbo" : "SD2";
  } else {
    traits.family = "SD1";
  }
  finish(traits);
  return traits;
}

// Single file in the original CompVis/Stability key layout: model.diffusion_model.* is the UNet,
// first_stage_model.* the VAE, cond_stage_model.transformer.* a CLIP text model (SD1) and
// cond_stage_model.model.* an OpenCLIP one (SD2); SDXL's conditioner.embedders.* hold CLIP-L and
// OpenCLIP-bigG (single_file_settings.hpp). SD2's proj_in is a linear layer (2-D weight). The
// hyper-parameters its tensors cannot express come from its sidecar, or are those of the real
// networks when its widths fit them; where neither, the file cannot be used and `problem` says what
// the sidecar must give.
ModelTraits inspect_single_file(const fs::path& file, const std::string& name,
                                const std::optional<diffusion::ModelSidecar>& sidecar) {
  ModelTraits traits;
  traits.layout = ModelLayout::single_file;
  traits.prediction = "unknown";
  const diffusion::SafetensorsFile weights(file);
  // A LoRA is listed so that its name can be given to --lora / "loras"; it runs on a model of its family.
  if (const auto lora = diffusion::lora_file_format(weights.tensors())) {
    traits.family = "LoRA";
    traits.variant = std::string(diffusion::lora_format_name(*lora)) + " LoRA";
    traits.components = {"lora"};
    return traits;
  }
  const auto has_prefix = [&](const std::string& prefix) {
    const auto it = weights.tensors().lower_bound(prefix);
    return it != weights.tensors().end() && it->first.starts_with(prefix);
  };
  if (has_prefix("model.diffusion_model.")) traits.components.emplace_back("unet");
  if (has_prefix("first_stage_model.")) traits.components.emplace_back("vae");
  if (has_prefix("cond_stage_model.") || has_prefix("conditioner.embedders.0.transformer."))
    traits.components.emplace_back("text_encoder");
  // SDXL's OpenCLIP-bigG: embedders.1 beside CLIP-L, embedders.0 in a refiner.
  const bool big_g_first = has_prefix("conditioner.embedders.0.model.");
  if (big_g_first || has_prefix("conditioner.embedders.1.model.")) traits.components.emplace_back("text_encoder_2");

  const std::string conv_in = "model.diffusion_model.input_blocks.0.0.weight";
  if (weights.contains(conv_in) && weights.info(conv_in).shape.size() == 4)
    traits.in_channels = static_cast<int>(weights.info(conv_in).shape[1]);
  const std::string proj_in = "model.diffusion_model.input_blocks.1.1.proj_in.weight";
  if (!weights.contains(conv_in)) {
    traits.family = "unknown";
  } else if (diffusion::single_file_family(weights.tensors()) == diffusion::ModelFamily::sdxl) {
    traits.family = sdxl_family_name(big_g_first, contains_turbo(name) || contains_turbo(file.filename().string()));
  } else if ((weights.contains(proj_in) && weights.info(proj_in).shape.size() == 2) ||
             has_prefix("cond_stage_model.model.")) {
    traits.family = contains_turbo(name) || contains_turbo(file.filename().string()) ? "SD-Turbo" : "SD2";
  } else {
    traits.family = "SD1";
  }
  try {
    const auto settings = diffusion::resolve_single_file_settings(weights.tensors(), sidecar, file);
    traits.text_width = settings.text_width;
    traits.big_g_width = settings.big_g_width;
    traits.context_width = settings.context_width;
    if (settings.scheduler_given) traits.prediction = prediction_name(settings.scheduler.prediction);
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::capability) throw;
    traits.problem = error.what();  // a sidecar it needs: the file is listed, with what to write
  }
  finish(traits);
  return traits;
}

ModelTraits inspect_files(const fs::path& model, const std::string& name,
                          const std::optional<diffusion::ModelSidecar>& sidecar) {
  ModelTraits traits =
      fs::is_directory(model) ? inspect_diffusers(model, name) : inspect_single_file(model, name, sidecar);
  if (sidecar) traits.base = !sidecar->base_name.empty() ? sidecar->base_name : sidecar->base_path.string();
  return traits;
}

// A model lacking components can be used when its sidecar's base supplies them and fits; otherwise
// `problem` says why not and how to name a base.
void check_base(ModelTraits& traits, const ModelPaths& paths, const fs::path& model,
                const std::optional<diffusion::ModelSidecar>& sidecar) {
  if (!traits.problem.empty() || traits.missing.empty() || traits.enables.empty()) return;
  std::string lacking;
  for (const auto& part : traits.missing) lacking += (lacking.empty() ? "" : ", ") + part;
  if (has(traits.missing, "unet")) {
    traits.problem = "it has no UNet";
    return;
  }
  const std::string file = diffusion::sidecar_path(model).string();
  if (!sidecar || !sidecar->names_base()) {
    traits.problem = "it has no " + lacking +
                     " (a UNet-only model): name the model they come from as its base, {\"base\": \"NAME\"} in " +
                     file + " (docs/models.md, \"Base models\"), or per request (easel generate --base NAME)";
    return;
  }
  fs::path base = sidecar->base_path;
  if (base.empty()) {
    const auto found = locate_model(paths, sidecar->base_name);
    if (found.empty()) {
      traits.problem = "its base \"" + sidecar->base_name + "\" (named in " + file +
                       ") is not installed: install it, or name an installed model (easel models list)";
      return;
    }
    base = found.front().path;
  } else if (!fs::exists(base)) {
    traits.problem = "its base " + base.string() + " (named in " + file + ") does not exist";
    return;
  }
  ModelTraits base_traits;
  try {
    base_traits = inspect_files(base, traits.base, diffusion::read_sidecar(base));
  } catch (const Error& error) {
    traits.problem = "its base " + traits.base + " cannot be read: " + error.what();
    return;
  }
  if (!base_traits.problem.empty()) {
    traits.problem = "its base " + traits.base + " cannot be used: " + base_traits.problem;
    return;
  }
  for (const auto& part : traits.missing) {
    if (has(base_traits.missing, part)) {
      traits.problem = "its base " + traits.base + " has no " + part + " either";
      return;
    }
  }
  if (traits.context_width > 0 && base_traits.text_width > 0 && traits.context_width != base_traits.text_width &&
      traits.context_width != base_traits.big_g_width) {
    traits.problem = "its UNet takes " + std::to_string(traits.context_width) + "-wide text, but its base " +
                     traits.base + "'s text encoder gives " + std::to_string(base_traits.text_width) +
                     ": the base must be of the same family";
  }
}

}  // namespace

const char* layout_name(ModelLayout layout) { return layout == ModelLayout::single_file ? "single-file" : "diffusers"; }

ModelTraits inspect_model(const ModelPaths& paths, const fs::path& model, const std::string& name) {
  const auto sidecar = diffusion::read_sidecar(model);
  ModelTraits traits = inspect_files(model, name, sidecar);
  check_base(traits, paths, model, sidecar);
  return traits;
}

}  // namespace easel::models
