#include "easel/model_files/model_config.hpp"

#include <algorithm>
#include <map>

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"

namespace easel::diffusion {
using nlohmann::json;

namespace {

// The smallest epsilon a norm may add (a zero one divides by a zero variance).
constexpr double min_norm_eps = 1e-12;
constexpr std::int64_t max_width = 1 << 16;
constexpr std::int64_t max_in_channels = 64;

}  // namespace

TextEncoderConfig TextEncoderConfig::from_json(const json& object, const std::string& source,
                                               const TextEncoderConfig& defaults) {
  const ConfigFields fields(object, source);
  TextEncoderConfig config = defaults;
  config.heads = fields.integer("num_attention_heads", 1, max_attention_heads).value_or(config.heads);
  if (const auto activation = fields.choice("hidden_act", {"quick_gelu", "gelu"})) {
    config.activation = *activation == "gelu" ? Activation::gelu : Activation::quick_gelu;
  }
  config.layer_norm_eps = fields.number("layer_norm_eps", min_norm_eps, 1).value_or(config.layer_norm_eps);
  config.hidden_size = fields.integer("hidden_size", 1, max_width).value_or(config.hidden_size);
  if (config.hidden_size > 0 && config.hidden_size % config.heads != 0) {
    fields.fail("hidden_size", "is " + std::to_string(config.hidden_size) + ", which " + std::to_string(config.heads) +
                                   " attention heads (num_attention_heads) do not divide");
  }
  return config;
}

TextEncoderConfig TextEncoderConfig::from_json_file(const std::filesystem::path& path) {
  const json object = read_config_file(path, "text encoder config", "part of the model's diffusers folder");
  const std::string source = "text encoder config " + path.string();
  if (!ConfigFields(object, source).has("num_attention_heads")) {
    ConfigFields(object, source).fail("num_attention_heads", "is missing; it gives the attention heads of every layer");
  }
  return from_json(object, source, {});
}

UNetConfig UNetConfig::from_json(const json& object, const std::string& source, const UNetConfig& defaults) {
  const ConfigFields fields(object, source);
  UNetConfig config = defaults;
  config.norm_groups = fields.integer("norm_num_groups", 1, max_norm_groups).value_or(config.norm_groups);
  config.norm_eps = fields.number("norm_eps", min_norm_eps, 1).value_or(config.norm_eps);
  config.flip_sin_to_cos = fields.boolean("flip_sin_to_cos").value_or(config.flip_sin_to_cos);
  // The timestep embedding divides by (half its width − freq_shift); SD uses 0, other diffusers models 1.
  config.freq_shift = fields.number("freq_shift", 0, 1).value_or(config.freq_shift);
  const std::string heads_field = fields.has("num_attention_heads") ? "num_attention_heads" : "attention_head_dim";
  if (const auto heads = fields.integers(heads_field, 1, max_attention_heads, max_unet_levels)) {
    config.heads_per_level = *heads;
    config.head_width = 0;
  }
  config.in_channels = fields.integer("in_channels", 1, max_in_channels).value_or(config.in_channels);
  config.cross_attention_dim = fields.integer("cross_attention_dim", 1, max_width).value_or(config.cross_attention_dim);
  config.use_linear_projection = fields.boolean("use_linear_projection").value_or(config.use_linear_projection);
  if (fields.has("addition_embed_type") && !fields.object().at("addition_embed_type").is_null())
    config.addition_embed_type = fields.text("addition_embed_type").value_or("");
  return config;
}

UNetConfig UNetConfig::from_json_file(const std::filesystem::path& path) {
  const json object = read_config_file(path, "UNet config", "part of the model's diffusers folder");
  const std::string source = "UNet config " + path.string();
  const ConfigFields fields(object, source);
  if (!fields.has("attention_head_dim") && !fields.has("num_attention_heads")) {
    fields.fail("attention_head_dim",
                "is missing (and so is num_attention_heads); one of them gives the attention heads");
  }
  return from_json(object, source, {});
}

std::int64_t UNetConfig::heads_at(std::size_t level) const {
  if (heads_per_level.empty()) throw Error(ErrorKind::input, "UNet config has no attention head counts");
  return heads_per_level[std::min(level, heads_per_level.size() - 1)];
}

VaeConfig VaeConfig::from_json(const json& object, const std::string& source, const VaeConfig& defaults) {
  const ConfigFields fields(object, source);
  VaeConfig config = defaults;
  config.norm_groups = fields.integer("norm_num_groups", 1, max_norm_groups).value_or(config.norm_groups);
  config.scaling_factor = fields.number("scaling_factor", 1e-6, 1e6).value_or(config.scaling_factor);
  return config;
}

VaeConfig VaeConfig::from_json_file(const std::filesystem::path& path) {
  return from_json(read_config_file(path, "VAE config", "part of the model's diffusers folder"),
                   "VAE config " + path.string(), {});
}

SchedulerConfig SchedulerConfig::from_json(const json& object, const std::string& source) {
  const ConfigFields fields(object, source);
  SchedulerConfig config;
  config.train_timesteps =
      static_cast<int>(fields.integer("num_train_timesteps", 1, max_train_timesteps).value_or(config.train_timesteps));
  // 1 − β is every step's signal fraction: β must lie in (0, 1).
  config.beta_start = fields.number("beta_start", 1e-9, 0.999).value_or(config.beta_start);
  config.beta_end = fields.number("beta_end", 1e-9, 0.999).value_or(config.beta_end);
  fields.choice("beta_schedule", {"scaled_linear"});
  if (fields.choice("prediction_type", {"epsilon", "v_prediction"}).value_or("epsilon") == "v_prediction") {
    config.prediction = PredictionType::v_prediction;
  }
  const std::string spacing =
      fields.choice("timestep_spacing", {"leading", "trailing", "linspace"}).value_or("leading");
  config.spacing = spacing == "linspace"   ? TimestepSpacing::linspace
                   : spacing == "trailing" ? TimestepSpacing::trailing
                                           : TimestepSpacing::leading;
  config.steps_offset = static_cast<int>(fields.integer("steps_offset", 0, config.train_timesteps - 1)
                                             .value_or(std::min(config.steps_offset, config.train_timesteps - 1)));
  config.set_alpha_to_one = fields.boolean("set_alpha_to_one").value_or(config.set_alpha_to_one);
  static const std::map<std::string, SamplerKind> classes = {
      {"EulerDiscreteScheduler", SamplerKind::euler},
      {"EulerAncestralDiscreteScheduler", SamplerKind::euler_ancestral},
      {"DPMSolverMultistepScheduler", SamplerKind::dpmpp_2m},
      {"DDIMScheduler", SamplerKind::ddim},
      {"LCMScheduler", SamplerKind::lcm}};
  // Other scheduler classes (PNDM, LMS, …) leave the default sampler: the model runs with Euler.
  const auto named = classes.find(fields.text("_class_name").value_or(""));
  if (named != classes.end()) config.sampler = named->second;
  if (config.sampler == SamplerKind::dpmpp_2m && fields.boolean("use_karras_sigmas").value_or(false))
    config.sampler = SamplerKind::dpmpp_2m_karras;
  return config;
}

SchedulerConfig SchedulerConfig::from_json_file(const std::filesystem::path& path) {
  return from_json(read_config_file(path, "scheduler config", "part of the model's diffusers folder"),
                   "scheduler config " + path.string());
}

TokenizerConfig TokenizerConfig::from_json(const json& object, const std::string& source) {
  const ConfigFields fields(object, source);
  TokenizerConfig config;
  if (!fields.has("pad_token")) return config;
  // transformers writes a special token as its text, or as {"content": text, …}.
  const json& pad = object.at("pad_token");
  if (pad.is_object()) {
    config.pad_token = ConfigFields(pad, source + " pad_token").text("content").value_or("");
  } else {
    config.pad_token = *fields.text("pad_token");
  }
  return config;
}

TokenizerConfig TokenizerConfig::from_folder(const std::filesystem::path& folder) {
  for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
    std::error_code error;
    if (std::filesystem::is_regular_file(folder / name, error)) {
      return from_json(read_config_file(folder / name, "tokenizer config", "part of the model's tokenizer folder"),
                       "tokenizer config " + (folder / name).string());
    }
  }
  return {};
}

ModelIndex check_model_index(const json& object, const std::string& source) {
  const ConfigFields fields(object, source);
  fields.text("_class_name");
  const ModelIndex index{fields.boolean("force_zeros_for_empty_prompt"), fields.boolean("requires_aesthetics_score")};
  // Components are [library, class] pairs ([null, null] when absent); flags such as
  // requires_safety_checker are other values.
  for (const auto& [key, value] : object.items()) {
    if (!value.is_array()) continue;
    const bool pair = value.size() == 2 && std::all_of(value.begin(), value.end(), [](const json& part) {
                        return part.is_string() || part.is_null();
                      });
    if (!pair) fields.fail(key, "is not a [library, class] pair");
  }
  return index;
}

ModelIndex read_model_index(const std::filesystem::path& path) {
  return check_model_index(read_config_file(path, "model index", "a diffusers folder starts with it"),
                           "model index " + path.string());
}

}  // namespace easel::diffusion
