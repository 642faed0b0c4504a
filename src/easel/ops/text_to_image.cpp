#include "easel/ops/text_to_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "easel/core/error.hpp"
#include "easel/ops/generation_presets.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

// The model works in multiples of 8 up to max_generation_side: the nearest such size with the shape of
// `asked`.
cv::Size generation_size(cv::Size asked) {
  const double shrink = std::min(1.0, static_cast<double>(max_generation_side) / std::max(asked.width, asked.height));
  return {std::max(8, static_cast<int>(std::lround(asked.width * shrink / 8)) * 8),
          std::max(8, static_cast<int>(std::lround(asked.height * shrink / 8)) * 8)};
}

std::string number_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::vector<LoraChoice> checked_loras(const std::vector<LoraChoice>& loras, const std::string& what) {
  if (loras.size() > static_cast<std::size_t>(max_loras_per_request)) {
    throw Error(ErrorKind::usage,
                what + ": " + std::to_string(loras.size()) + " LoRA files given; at most " +
                    std::to_string(max_loras_per_request) + " apply to one generation",
                "loras");
  }
  for (const LoraChoice& lora : loras) {
    if (lora.name.empty()) throw Error(ErrorKind::usage, what + ": a LoRA without a name or path", "loras");
    if (!std::isfinite(lora.scale) || std::abs(lora.scale) > max_lora_scale) {
      throw Error(ErrorKind::usage,
                  what + ": LoRA " + lora.name + " scale " + number_text(lora.scale) + " is out of range [-" +
                      number_text(max_lora_scale) + ", " + number_text(max_lora_scale) + "]",
                  "loras");
    }
  }
  return loras;
}

}  // namespace

LoraChoice parse_lora_choice(const std::string& spec) {
  // The scale follows the last ':' when what follows it is a number, so paths with ':' still work.
  const auto colon = spec.rfind(':');
  if (colon != std::string::npos) {
    const std::string scale = spec.substr(colon + 1);
    char* end = nullptr;
    const double value = std::strtod(scale.c_str(), &end);
    if (!scale.empty() && end == scale.c_str() + scale.size()) return {spec.substr(0, colon), value};
  }
  return {spec, 1.0};
}

GenerationRequest text_to_image_request(const TextToImageSettings& settings, const TextToImageDoor& door) {
  GenerationRequest request;
  request.mode = GenerationMode::text_to_image;
  request.prompt = settings.prompt;
  request.negative_prompt = settings.negative;
  request.model = settings.model.empty() ? door.default_model : settings.model;
  if (request.model.empty())
    throw Error(ErrorKind::capability, door.what + " needs a Stable Diffusion model: " + door.model_advice);
  request.base = settings.base;
  request.loras = checked_loras(settings.loras, door.what);

  if (settings.seed) checked_text_to_image_setting("seed", *settings.seed);
  if (settings.steps) checked_text_to_image_setting("steps", *settings.steps);
  if (settings.cfg) checked_text_to_image_setting("cfg", *settings.cfg);
  if (!settings.sampler.empty()) checked_text_to_image_setting("sampler", settings.sampler);
  request.seed = settings.seed ? *settings.seed : door.unset_seed == UnsetSeed::random ? random_seed() : 0;
  request.guidance = settings.cfg;

  // auto is what runs without a preset: the engine's steps and sampler (lcm's 4 steps included).
  const bool preset_asked = !settings.preset.empty() && settings.preset != "auto";
  const QualityPreset& preset = quality_preset(settings.preset.empty() ? "auto" : settings.preset);
  request.steps = settings.steps.value_or(preset_asked ? preset.steps : 0);
  request.sampler = settings.sampler.empty() && preset_asked ? preset.sampler : settings.sampler;
  const cv::Size size = generation_size(settings.size.value_or(preset_size(settings.aspect, preset.side)));
  request.width = size.width;
  request.height = size.height;
  if (!settings.size) request.default_size = GenerationRequest::DefaultSize{settings.aspect, preset.side};

  if (settings.count < 1 || settings.count > max_images_per_request) {
    throw Error(ErrorKind::usage,
                door.what + ": count " + std::to_string(settings.count) + " is out of range [1, " +
                    std::to_string(max_images_per_request) + "]",
                "count");
  }
  request.count = settings.count;
  return request;
}

const ParamSpec& text_to_image_setting(const std::string& name) {
  const OperationSpec& spec = registry().get("generate.image");
  const auto found =
      std::find_if(spec.params.begin(), spec.params.end(), [&](const ParamSpec& param) { return param.name == name; });
  if (found == spec.params.end())
    throw Error(ErrorKind::internal, "generate.image declares no parameter '" + name + "'");
  return *found;
}

nlohmann::json checked_text_to_image_setting(const std::string& name, const nlohmann::json& value) {
  try {
    return validate_param_value(text_to_image_setting(name), value, "generate.image");
  } catch (const Error& error) {
    throw Error(ErrorKind::usage, error.what(), name);
  }
}

}  // namespace easel
