#pragma once
// What a Stable Diffusion model's configuration files say, as plain structs: the text encoder's,
// UNet's and VAE's config.json, the scheduler's scheduler_config.json, the tokenizer's special tokens
// and model_index.json. Every value is validated as it is read (config_json.hpp): a count the networks
// divide by is at least 1, a factor is finite and positive, an enumeration is one Easel implements, and
// anything else is Error(input) naming the file, the field and what is allowed. Torch-free, so the
// model listing and the fuzz build read configs exactly as the engine does.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/ops/samplers.hpp"

namespace easel::diffusion {

enum class ModelFamily { sd1, sd2, sdxl };
enum class Activation { quick_gelu, gelu };
using SamplerKind = easel::SamplerKind;  // ops/samplers.hpp: the one list of samplers
enum class PredictionType { epsilon, v_prediction };
enum class TimestepSpacing { leading, trailing, linspace };

// Upper bounds far above any real model's, so a value from a file cannot size work without limit.
constexpr std::int64_t max_attention_heads = 1024;
constexpr std::int64_t max_norm_groups = 1024;
constexpr std::size_t max_unet_levels = 8;
constexpr std::int64_t max_train_timesteps = 10000;

struct TextEncoderConfig {
  std::int64_t heads = 12;
  Activation activation = Activation::quick_gelu;
  double layer_norm_eps = 1e-5;
  std::int64_t hidden_size = 0;  // the config's hidden_size (0: not given; the width comes from the weights)

  // A transformers CLIPTextConfig object (num_attention_heads, hidden_act, layer_norm_eps, hidden_size);
  // fields it does not give keep `defaults`' values.
  static TextEncoderConfig from_json(const nlohmann::json& json, const std::string& source,
                                     const TextEncoderConfig& defaults);
  // A text_encoder/config.json, which must give num_attention_heads.
  static TextEncoderConfig from_json_file(const std::filesystem::path& path);
};

struct UNetConfig {
  std::int64_t norm_groups = 32;
  double norm_eps = 1e-5;
  // Attention heads per level of the down path (the up path uses them reversed, the middle block the
  // last). diffusers calls this `attention_head_dim`; one value applies to every level.
  std::vector<std::int64_t> heads_per_level = {8};
  // When above 0, heads of this width instead (SD2's 64): a level's heads are its width / head_width.
  // Single files use it (model_sidecar.hpp); a config giving head counts sets it to 0.
  std::int64_t head_width = 0;
  bool flip_sin_to_cos = true;
  double freq_shift = 0;
  // Read for the model listing; the engine takes these from the weights.
  std::int64_t in_channels = 0;          // 0: not given
  std::int64_t cross_attention_dim = 0;  // 0: not given
  bool use_linear_projection = false;    // SD2's linear proj_in/proj_out
  // addition_embed_type: "text_time" is SDXL's added embedding of the pooled text and the time ids;
  // empty: none (SD1/2); any other value is a later model's conditioning, which Easel does not run.
  std::string addition_embed_type;

  // A diffusers UNet2DConditionModel config object; fields it does not give keep `defaults`' values.
  // num_attention_heads, when given, wins over attention_head_dim (which diffusers' SD configs use to
  // mean heads).
  static UNetConfig from_json(const nlohmann::json& json, const std::string& source, const UNetConfig& defaults);
  // A unet/config.json, which must give attention_head_dim or num_attention_heads.
  static UNetConfig from_json_file(const std::filesystem::path& path);
  std::int64_t heads_at(std::size_t level) const;
};

struct VaeConfig {
  std::int64_t norm_groups = 32;
  double scaling_factor = 0.18215;

  static VaeConfig from_json(const nlohmann::json& json, const std::string& source, const VaeConfig& defaults);
  // A vae/config.json.
  static VaeConfig from_json_file(const std::filesystem::path& path);
};

struct SchedulerConfig {
  int train_timesteps = 1000;
  double beta_start = 0.00085;
  double beta_end = 0.012;
  PredictionType prediction = PredictionType::epsilon;
  TimestepSpacing spacing = TimestepSpacing::linspace;
  int steps_offset = 1;
  bool set_alpha_to_one = false;
  int lcm_original_steps = 50;
  double lcm_timestep_scaling = 10.0;
  // The sampler the model was published with (the config's `_class_name`, Karras sigmas included);
  // pipelines use it unless the user picks another.
  SamplerKind sampler = SamplerKind::euler;

  // A diffusers scheduler config object (beta schedule "scaled_linear" only). Fields it does not give
  // keep the defaults above, except timestep_spacing: "leading", as in configs written before diffusers
  // recorded it.
  static SchedulerConfig from_json(const nlohmann::json& json, const std::string& source);
  // A scheduler/scheduler_config.json.
  static SchedulerConfig from_json_file(const std::filesystem::path& path);
};

// The tokenizer folder's special_tokens_map.json (or tokenizer_config.json): SD2's tokenizers pad with
// "!" (id 0), SD1's with the end-of-text token.
struct TokenizerConfig {
  std::string pad_token;  // empty: not given

  static TokenizerConfig from_json(const nlohmann::json& json, const std::string& source);
  // The first of special_tokens_map.json and tokenizer_config.json that exists; neither: nothing given.
  static TokenizerConfig from_folder(const std::filesystem::path& folder);
  bool pads_with_exclamation() const { return pad_token == "!"; }
};

// model_index.json's pipeline flags (diffusers' SDXL pipelines register them); unset: not given.
struct ModelIndex {
  std::optional<bool> force_zeros_for_empty_prompt;  // no negative prompt: zero embeddings, not those of ""
  std::optional<bool> requires_aesthetics_score;     // the refiner's time ids end with an aesthetic score
};

// model_index.json: a JSON object whose components are [library, class] pairs; Error(input) naming the
// file and the entry otherwise.
ModelIndex check_model_index(const nlohmann::json& json, const std::string& source);
ModelIndex read_model_index(const std::filesystem::path& path);

}  // namespace easel::diffusion
