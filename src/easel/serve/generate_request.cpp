#include "easel/serve/generate_request.hpp"

#include <algorithm>
#include <set>
#include <type_traits>

#include "easel/ops/generation_engine.hpp"
#include "easel/ops/text_to_image.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
using nlohmann::json;

namespace {

const std::set<std::string>& known_fields() {
  // Packed into lines: clang-format 14 would give each field a line of its own.
  // clang-format off
  static const std::set<std::string> fields = {"prompt", "model", "n", "size", "quality", "background", "output_format",
                                               "output_compression", "response_format", "user", "moderation", "style",
                                               "stream", "partial_images", "negative_prompt", "seed", "steps",
                                               "guidance_scale", "sampler", "base", "loras"};
  // clang-format on
  return fields;
}

// Reads a JSON number or its string form (as the SDKs may send either); range checks are the caller's.
std::optional<double> any_number_field(const json& body, const std::string& name) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  const json& value = body[name];
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) throw invalid_field(name, "'" + name + "' must be a number");
  try {
    std::size_t used = 0;
    const double number = std::stod(value.get<std::string>(), &used);
    if (used != value.get_ref<const std::string&>().size()) throw std::invalid_argument(name);
    return number;
  } catch (const std::exception&) {
    throw invalid_field(name, "'" + name + "' must be a number");
  }
}

template <typename T>
std::optional<T> number_field(const json& body, const std::string& name, T low, T high) {
  const auto number = any_number_field(body, name);
  if (!number) return std::nullopt;
  // Written so that NaN (std::stod accepts "nan") fails too.
  if (!(*number >= static_cast<double>(low) && *number <= static_cast<double>(high))) {
    throw invalid_field(name, "'" + name + "' must be between " + json(low).dump() + " and " + json(high).dump());
  }
  if constexpr (std::is_integral_v<T>) {
    if (*number != static_cast<double>(static_cast<T>(*number)))
      throw invalid_field(name, "'" + name + "' must be an integer");
  }
  return static_cast<T>(*number);
}

std::string string_field(const json& body, const std::string& name, const std::string& fallback,
                         const std::vector<std::string>& allowed = {}) {
  if (!body.contains(name) || body[name].is_null()) return fallback;
  if (!body[name].is_string()) throw invalid_field(name, "'" + name + "' must be a string");
  const std::string value = body[name].get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    std::string list;
    for (const auto& option : allowed) list += (list.empty() ? "" : ", ") + option;
    throw invalid_field(name, "'" + name + "' must be one of " + list + ", got '" + value + "'");
  }
  return value;
}

// A setting checked against generate.image's declaration; its errors name the API's field.
json checked_setting(const std::string& field, const std::string& setting, const json& value) {
  try {
    return checked_text_to_image_setting(setting, value);
  } catch (const Error& error) {
    throw invalid_field(field, error.what());
  }
}

LoraChoice lora_element(const json& element) {
  if (element.is_string()) return parse_lora_choice(element.get<std::string>());
  if (!element.is_object() || !element.contains("name") || !element["name"].is_string()) {
    throw invalid_field("loras",
                        "each of 'loras' must be {\"name\": NAME, \"scale\": NUMBER} or a \"NAME[:SCALE]\" string");
  }
  for (const auto& [key, value] : element.items()) {
    if (key != "name" && key != "scale")
      throw invalid_field("loras", "'loras': unknown key '" + key + "' (allowed: name, scale)", "unknown_parameter");
  }
  LoraChoice lora{element["name"].get<std::string>(), 1.0};
  if (element.contains("scale")) {
    if (!element["scale"].is_number()) throw invalid_field("loras", "'loras': 'scale' must be a number");
    lora.scale = element["scale"].get<double>();
  }
  return lora;
}

std::vector<LoraChoice> lora_field(const json& body) {
  if (!body.contains("loras") || body["loras"].is_null()) return {};
  if (!body["loras"].is_array()) throw invalid_field("loras", "'loras' must be an array");
  std::vector<LoraChoice> loras;
  for (const json& element : body["loras"]) {
    LoraChoice lora = lora_element(element);
    if (!is_model_name(lora.name)) {
      throw invalid_field("loras",
                          "'loras': \"" + lora.name + "\" must be a LoRA name (see GET /v1/models), not a path",
                          "model_not_found");
    }
    loras.push_back(std::move(lora));
  }
  return loras;
}

}  // namespace

GenerationSettings parse_generation_settings(const json& body) {
  if (!body.is_object()) throw invalid_field("", "the body must be a JSON object");
  GenerationSettings settings;
  const std::string model = string_field(body, "model", "");
  if (!model.empty() && !is_edit_model_alias(model) && model != "dall-e-3") {
    if (!is_model_name(model))
      throw invalid_field("model", "'model' must be a model name (see GET /v1/models), not a path", "model_not_found");
    settings.model = model;
  }
  settings.base = string_field(body, "base", "");
  if (!settings.base.empty() && !is_model_name(settings.base)) {
    throw invalid_field("base", "'base' must be a model name (see GET /v1/models), not a path", "model_not_found");
  }
  settings.negative_prompt = string_field(body, "negative_prompt", "");
  settings.seed = number_field<std::uint64_t>(body, "seed", 0, (1ull << 53) - 1);  // as `easel generate --seed`
  // Steps, guidance and sampler are checked as generate.image checks them (ops/text_to_image.hpp): the
  // same limits and words as `easel generate` and EditPlan steps.
  if (const auto steps = any_number_field(body, "steps"))
    settings.steps = checked_setting("steps", "steps", *steps).get<int>();
  settings.guidance_scale = any_number_field(body, "guidance_scale");
  if (settings.guidance_scale) checked_setting("guidance_scale", "cfg", *settings.guidance_scale);
  settings.sampler = string_field(body, "sampler", "");
  if (!settings.sampler.empty()) checked_setting("sampler", "sampler", settings.sampler);
  return settings;
}

GenerateRequest parse_generate_request(const json& body, const RequestLimits& limits) {
  if (!body.is_object()) throw invalid_field("", "the body must be a JSON object");
  for (const auto& [name, value] : body.items()) {
    if (!known_fields().contains(name))
      throw invalid_field(name, "Unrecognized request argument supplied: " + name, "unknown_parameter");
  }
  GenerateRequest request;
  request.prompt = string_field(body, "prompt", "");
  if (request.prompt.empty()) throw invalid_field("prompt", "'prompt' is required", "missing_required_parameter");
  if (request.prompt.size() > limits.max_prompt_bytes)
    throw invalid_field("prompt", "'prompt' is longer than " + std::to_string(limits.max_prompt_bytes) + " bytes");
  request.settings = parse_generation_settings(body);
  request.loras = lora_field(body);
  request.n = number_field<int>(body, "n", 1, max_images_per_request).value_or(1);
  request.size = parse_output_size(string_field(body, "size", "auto"));
  request.quality = string_field(body, "quality", "auto", {"auto", "low", "medium", "high", "standard", "hd"});
  // OpenAI's quality names the quality preset `easel generate --preset` uses (dall-e-3's standard and hd
  // are medium and high), applied with the other settings (text_to_image_settings, generation_service).
  if (request.size.width > max_generation_side || request.size.height > max_generation_side) {
    throw invalid_field("size",
                        "'size': the generation engine's largest side is " + std::to_string(max_generation_side));
  }
  if (string_field(body, "background", "auto", {"auto", "transparent", "opaque"}) == "transparent") {
    throw invalid_field("background", "the diffusion engine makes opaque images; use background auto or opaque");
  }
  request.output_format = format_from_name(string_field(body, "output_format", "png", {"png", "jpeg", "webp"}));
  request.output_compression = number_field<int>(body, "output_compression", 0, 100).value_or(100);
  string_field(body, "response_format", "b64_json", {"b64_json"});
  if (body.contains("stream") && !body["stream"].is_null()) {
    const json& stream = body["stream"];
    if (stream.is_boolean()) {
      request.stream = stream.get<bool>();
    } else if (stream == "true" || stream == "false") {
      request.stream = stream == "true";
    } else {
      throw invalid_field("stream", "'stream' must be true or false");
    }
  }
  request.partial_images = number_field<int>(body, "partial_images", 0, 3).value_or(0);
  if (request.stream && request.n != 1)
    throw invalid_field("n", "a streamed generation makes one image; use n=1 with stream=true");
  return request;
}

}  // namespace easel::serve
