#include "easel/model_files/single_file_settings.hpp"

#include <initializer_list>
#include <vector>

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"

namespace easel::diffusion {
namespace {
using nlohmann::json;
using Tensors = std::map<std::string, TensorInfo>;

const std::string unet_prefix = "model.diffusion_model.";
const std::string vae_prefix = "first_stage_model.";
const std::string clip_prefix = "cond_stage_model.transformer.";
const std::string openclip_prefix = "cond_stage_model.model.";
// SDXL: CLIP-L as embedders.0, OpenCLIP-bigG as embedders.1 (the refiner: bigG alone, as embedders.0).
const std::string sdxl_prefix = "conditioner.embedders.";
const std::string sdxl_clip_prefix = "conditioner.embedders.0.transformer.";
const std::string sdxl_big_g_prefixes[] = {"conditioner.embedders.1.model.", "conditioner.embedders.0.model."};
// SDXL's VAE scaling and, in the family's own scheduler, its timestep spacing.
constexpr double sdxl_vae_scaling = 0.13025;

bool has_prefix(const Tensors& tensors, const std::string& prefix) {
  const auto found = tensors.lower_bound(prefix);
  return found != tensors.end() && found->first.starts_with(prefix);
}

// The extent of a 1-D tensor (a norm's weight); 0 when absent or of another shape (the loader then
// names that tensor).
std::int64_t vector_width(const Tensors& tensors, const std::string& name) {
  const auto found = tensors.find(name);
  return found != tensors.end() && found->second.shape.size() == 1 ? found->second.shape[0] : 0;
}

// A tensor whose leading extent some hyper-parameter must divide.
struct Width {
  std::string tensor;
  std::int64_t channels = 0;
};

// The channels of every GroupNorm in the UNet (ResNet norms, transformer norms, the output norm).
std::vector<Width> unet_group_norms(const Tensors& tensors) {
  std::vector<Width> widths;
  for (const auto& [name, info] : tensors) {
    if (!name.starts_with(unet_prefix) || info.shape.size() != 1) continue;
    const bool resnet = name.ends_with(".in_layers.0.weight") || name.ends_with(".out_layers.0.weight") ||
                        name == unet_prefix + "out.0.weight";
    const bool transformer =
        name.ends_with(".norm.weight") && tensors.contains(name.substr(0, name.size() - 11) + "proj_in.weight");
    if (resnet || transformer) widths.push_back({name, info.shape[0]});
  }
  return widths;
}

// The width of every spatial transformer (its GroupNorm's channels), which its heads divide.
std::vector<Width> unet_transformers(const Tensors& tensors) {
  std::vector<Width> widths;
  for (const auto& [name, info] : tensors) {
    if (name.starts_with(unet_prefix) && info.shape.size() == 1 && name.ends_with(".norm.weight") &&
        tensors.contains(name.substr(0, name.size() - 11) + "proj_in.weight")) {
      widths.push_back({name, info.shape[0]});
    }
  }
  return widths;
}

std::vector<Width> vae_group_norms(const Tensors& tensors) {
  std::vector<Width> widths;
  for (const auto& [name, info] : tensors) {
    if (!name.starts_with(vae_prefix) || info.shape.size() != 1) continue;
    if (name.ends_with("norm1.weight") || name.ends_with("norm2.weight") || name.ends_with("norm_out.weight") ||
        name.ends_with(".norm.weight")) {
      widths.push_back({name, info.shape[0]});
    }
  }
  return widths;
}

// The first width `divisor` does not divide.
const Width* first_misfit(const std::vector<Width>& widths, std::int64_t divisor) {
  for (const Width& width : widths) {
    if (width.channels < divisor || width.channels % divisor != 0) return &width;
  }
  return nullptr;
}

// The width of text the UNet's cross-attention takes: the input extent of any attn2.to_k.
std::int64_t context_width(const Tensors& tensors) {
  for (const auto& [name, info] : tensors) {
    if (name.starts_with(unet_prefix) && name.ends_with(".attn2.to_k.weight") && info.shape.size() == 2)
      return info.shape[1];
  }
  return 0;
}

// Collects what the sidecar must say and the values it gives that do not fit.
class Resolution {
 public:
  Resolution(const std::optional<ModelSidecar>& sidecar, const std::filesystem::path& file)
      : sidecar_(sidecar), file_(file), sidecar_file_(sidecar ? sidecar->file : sidecar_path(file)) {}

  const json& section(const json ModelSidecar::*member) const {
    return sidecar_ && !((*sidecar_).*member).is_null() ? (*sidecar_).*member : empty_;
  }
  std::string source(const std::string& key) const {
    return "model sidecar " + sidecar_file_.string() + " section '" + key + "'";
  }
  bool gives(const json ModelSidecar::*member, const std::string& field) const {
    return ConfigFields(section(member), "sidecar").has(field);
  }

  void need(const std::string& section_key, const std::string& field, const std::string& why) {
    missing_.push_back(section_key + "." + field + " (" + why + ")");
  }
  // The fields of a component the file has, for the example in the error: when one value cannot be
  // inferred the network is not a real SD one, so every value the sidecar leaves out is worth giving.
  void describe(const json ModelSidecar::*member, const std::string& section_key,
                std::initializer_list<const char*> fields) {
    std::string& listed = skeleton_[section_key];
    for (const char* field : fields) {
      if (!gives(member, field)) listed += (listed.empty() ? "" : ", ") + ("\"" + std::string(field) + "\": …");
    }
    if (listed.empty()) skeleton_.erase(section_key);
  }
  [[noreturn]] void misfit(const std::string& section_key, const std::string& field, const std::string& why) const {
    throw Error(ErrorKind::input,
                "model sidecar " + sidecar_file_.string() + ": " + section_key + "." + field + " " + why);
  }

  void finish() const {
    if (missing_.empty()) return;
    std::string reasons;
    for (const auto& item : missing_) reasons += (reasons.empty() ? "" : "; ") + item;
    std::string example;
    for (const auto& [key, fields] : skeleton_)
      example += (example.empty() ? "" : ", ") + ("\"" + key + "\": {" + fields + "}");
    throw Error(
        ErrorKind::capability,
        "single-file model " + file_.string() + " needs hyper-parameters its tensors cannot express: " + reasons +
            ". " + (sidecar_ ? "Add them to " : "Write them to ") + sidecar_file_.string() + " as {" + example +
            "}, the fields of the model's diffusers config.json files (docs/models.md, \"Single-file checkpoints\")");
  }

 private:
  const std::optional<ModelSidecar>& sidecar_;
  std::filesystem::path file_;
  std::filesystem::path sidecar_file_;
  json empty_ = json::object();
  std::vector<std::string> missing_;
  std::map<std::string, std::string> skeleton_;
};

const char* family_name(ModelFamily family) {
  return family == ModelFamily::sdxl ? "SDXL" : family == ModelFamily::sd2 ? "SD2" : "SD1";
}

// One text encoder's settings: heads 64 wide unless the sidecar's `key` section gives them; the width is
// its final norm's.
TextEncoderConfig resolve_encoder(const Tensors& tensors, Resolution& resolution, const json ModelSidecar::*member,
                                  const std::string& key, const std::string& norm, Activation activation,
                                  ModelFamily family, std::int64_t& width) {
  width = vector_width(tensors, norm);
  TextEncoderConfig defaults;
  defaults.activation = activation;
  const bool given = resolution.gives(member, "num_attention_heads");
  if (!given && width > 0) {
    if (width % real_head_width == 0) {
      defaults.heads = width / real_head_width;
    } else {
      resolution.need(key, "num_attention_heads",
                      "the text encoder is " + std::to_string(width) + " wide, which " + family_name(family) +
                          "'s 64-wide heads do not divide");
    }
  }
  TextEncoderConfig config = TextEncoderConfig::from_json(resolution.section(member), resolution.source(key), defaults);
  if (given && width > 0 && width % config.heads != 0) {
    resolution.misfit(key, "num_attention_heads",
                      std::to_string(config.heads) + " does not divide the text encoder's width " +
                          std::to_string(width) + " (tensor '" + norm + "')");
  }
  return config;
}

void resolve_text_encoder(const Tensors& tensors, Resolution& resolution, SingleFileSettings& settings) {
  if (settings.family != ModelFamily::sdxl) {
    const bool sd2 = settings.family == ModelFamily::sd2;
    settings.text_encoder =
        resolve_encoder(tensors, resolution, &ModelSidecar::text_encoder, "text_encoder",
                        sd2 ? openclip_prefix + "ln_final.weight" : clip_prefix + "text_model.final_layer_norm.weight",
                        sd2 ? Activation::gelu : Activation::quick_gelu, settings.family, settings.text_width);
    resolution.describe(&ModelSidecar::text_encoder, "text_encoder", {"num_attention_heads", "hidden_act"});
    return;
  }
  std::int64_t clip_width = 0;
  if (settings.has_clip_l) {
    settings.text_encoder = resolve_encoder(tensors, resolution, &ModelSidecar::text_encoder, "text_encoder",
                                            sdxl_clip_prefix + "text_model.final_layer_norm.weight",
                                            Activation::quick_gelu, settings.family, clip_width);
    resolution.describe(&ModelSidecar::text_encoder, "text_encoder", {"num_attention_heads", "hidden_act"});
  }
  for (const std::string& prefix : sdxl_big_g_prefixes) {
    if (!has_prefix(tensors, prefix)) continue;
    settings.text_encoder_2 =
        resolve_encoder(tensors, resolution, &ModelSidecar::text_encoder_2, "text_encoder_2",
                        prefix + "ln_final.weight", Activation::gelu, settings.family, settings.big_g_width);
    resolution.describe(&ModelSidecar::text_encoder_2, "text_encoder_2", {"num_attention_heads", "hidden_act"});
    break;
  }
  settings.text_width = clip_width + settings.big_g_width;
}

void resolve_unet(const Tensors& tensors, Resolution& resolution, SingleFileSettings& settings) {
  const auto norms = unet_group_norms(tensors);
  const auto transformers = unet_transformers(tensors);
  settings.context_width = context_width(tensors);
  UNetConfig defaults;
  defaults.norm_groups = real_norm_groups;
  const bool groups_given = resolution.gives(&ModelSidecar::unet, "norm_num_groups");
  if (const Width* misfit = first_misfit(norms, real_norm_groups); !groups_given && misfit) {
    resolution.need("unet", "norm_num_groups",
                    "GroupNorm's usual 32 groups do not divide the " + std::to_string(misfit->channels) +
                        " channels of '" + misfit->tensor + "'");
  }
  const bool heads_given = resolution.gives(&ModelSidecar::unet, "attention_head_dim") ||
                           resolution.gives(&ModelSidecar::unet, "num_attention_heads");
  if (!heads_given) {
    // SD1: 8 heads at every level; SD2 and SDXL: heads 64 wide, so their number grows with the level's width.
    const bool sd2 = settings.family != ModelFamily::sd1;
    defaults.heads_per_level = {sd1_unet_heads};
    defaults.head_width = sd2 ? real_head_width : 0;
    if (const Width* misfit = first_misfit(transformers, sd2 ? real_head_width : sd1_unet_heads)) {
      resolution.need("unet", "attention_head_dim",
                      sd2 ? std::string(family_name(settings.family)) + "'s 64-wide heads do not divide the " +
                                std::to_string(misfit->channels) + " channels of '" + misfit->tensor + "'"
                          : "SD1's 8 heads do not divide the " + std::to_string(misfit->channels) + " channels of '" +
                                misfit->tensor + "'");
    }
  }
  settings.unet = UNetConfig::from_json(resolution.section(&ModelSidecar::unet), resolution.source("unet"), defaults);
  if (const Width* misfit = first_misfit(norms, settings.unet.norm_groups); groups_given && misfit) {
    resolution.misfit("unet", "norm_num_groups",
                      std::to_string(settings.unet.norm_groups) + " does not divide the " +
                          std::to_string(misfit->channels) + " channels of '" + misfit->tensor + "'");
  }
  // Per-level head counts are checked against each level's width when the UNet is built.
  if (const Width* misfit = first_misfit(transformers, settings.unet.heads_per_level.front());
      heads_given && settings.unet.heads_per_level.size() == 1 && misfit) {
    resolution.misfit("unet", "attention_head_dim",
                      std::to_string(settings.unet.heads_per_level.front()) + " heads do not divide the " +
                          std::to_string(misfit->channels) + " channels of '" + misfit->tensor + "'");
  }
}

void resolve_vae(const Tensors& tensors, Resolution& resolution, SingleFileSettings& settings) {
  const auto norms = vae_group_norms(tensors);
  VaeConfig defaults;
  defaults.norm_groups = real_norm_groups;
  if (settings.family == ModelFamily::sdxl) defaults.scaling_factor = sdxl_vae_scaling;
  const bool given = resolution.gives(&ModelSidecar::vae, "norm_num_groups");
  if (const Width* misfit = first_misfit(norms, real_norm_groups); !given && misfit) {
    resolution.need("vae", "norm_num_groups",
                    "GroupNorm's usual 32 groups do not divide the " + std::to_string(misfit->channels) +
                        " channels of '" + misfit->tensor + "'");
  }
  settings.vae = VaeConfig::from_json(resolution.section(&ModelSidecar::vae), resolution.source("vae"), defaults);
  if (const Width* misfit = first_misfit(norms, settings.vae.norm_groups); given && misfit) {
    resolution.misfit("vae", "norm_num_groups",
                      std::to_string(settings.vae.norm_groups) + " does not divide the " +
                          std::to_string(misfit->channels) + " channels of '" + misfit->tensor + "'");
  }
}

}  // namespace

ModelFamily single_file_family(const Tensors& tensors) {
  if (has_prefix(tensors, sdxl_prefix) || tensors.contains(unet_prefix + "label_emb.0.0.weight"))
    return ModelFamily::sdxl;
  if (has_prefix(tensors, openclip_prefix)) return ModelFamily::sd2;
  if (has_prefix(tensors, clip_prefix)) return ModelFamily::sd1;
  for (const auto& [name, info] : tensors) {
    if (name.starts_with(unet_prefix) && name.ends_with(".proj_in.weight"))
      return info.shape.size() == 2 ? ModelFamily::sd2 : ModelFamily::sd1;
  }
  return ModelFamily::sd1;
}

SingleFileSettings resolve_single_file_settings(const Tensors& tensors, const std::optional<ModelSidecar>& sidecar,
                                                const std::filesystem::path& file) {
  SingleFileSettings settings;
  settings.family = single_file_family(tensors);
  settings.has_unet = has_prefix(tensors, unet_prefix);
  settings.has_vae = has_prefix(tensors, vae_prefix);
  settings.has_clip_l = has_prefix(tensors, sdxl_clip_prefix);
  settings.has_big_g = has_prefix(tensors, sdxl_big_g_prefixes[0]) || has_prefix(tensors, sdxl_big_g_prefixes[1]);
  settings.has_text_encoder = has_prefix(tensors, "cond_stage_model.") || settings.has_big_g;
  if (settings.family == ModelFamily::sdxl) {
    // SDXL's own scheduler (stable-diffusion-xl-base-1.0): Euler with leading timesteps.
    settings.scheduler.spacing = TimestepSpacing::leading;
  }
  Resolution resolution(sidecar, file);
  if (settings.has_text_encoder) resolve_text_encoder(tensors, resolution, settings);
  if (settings.has_unet) {
    resolve_unet(tensors, resolution, settings);
    resolution.describe(&ModelSidecar::unet, "unet", {"norm_num_groups", "attention_head_dim"});
  }
  if (settings.has_vae) {
    resolve_vae(tensors, resolution, settings);
    resolution.describe(&ModelSidecar::vae, "vae", {"norm_num_groups", "scaling_factor"});
  }
  resolution.describe(&ModelSidecar::scheduler, "scheduler", {"_class_name", "prediction_type"});
  if (sidecar && !sidecar->scheduler.is_null()) {
    settings.scheduler = SchedulerConfig::from_json(sidecar->scheduler, resolution.source("scheduler"));
    settings.scheduler_given = true;
  }
  if (sidecar) settings.tokenizer = sidecar->tokenizer;
  resolution.finish();
  return settings;
}

}  // namespace easel::diffusion
