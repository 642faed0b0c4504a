#include "easel/serve/variation_request.hpp"

#include <charconv>
#include <set>

#include "easel/serve/api_error.hpp"
#include "easel/serve/generate_request.hpp"

namespace easel::serve {
using nlohmann::json;

namespace {

// Fields read here; the rest of the edit's validation (image, n, size, ...) is parse_edit_request's.
const std::set<std::string>& variation_fields() {
  static const std::set<std::string> fields = {"model", "prompt",         "strength", "seed",
                                               "steps", "guidance_scale", "sampler",  "negative_prompt"};
  return fields;
}
const std::set<std::string>& edit_fields() {
  static const std::set<std::string> fields = {"n", "size", "response_format", "user", "output_format"};
  return fields;
}

double strength_of(const std::string& text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value >= 0.05 && value <= 1.0)) {
    throw invalid_field(
        "strength",
        "'strength' must be a number from 0.05 (keep nearly everything) to 1 (redraw from noise), got '" + text + "'");
  }
  return value;
}

// Text that goes into the plan (which is written as JSON) must be UTF-8; multipart fields may be anything.
void require_utf8(const std::string& name, const std::string& text) {
  try {
    (void)json(text).dump();  // nlohmann checks UTF-8 when writing
  } catch (const json::exception&) {
    throw invalid_field(name, "'" + name + "' is not valid UTF-8 text");
  }
}

}  // namespace

EditRequest parse_variation_request(const RequestFields& fields, const RequestLimits& limits) {
  RequestFields edit;
  json settings_body = json::object();
  for (const auto& [name, value] : fields.text) {
    if (edit_fields().contains(name)) {
      edit.text.emplace(name, value);
    } else if (variation_fields().contains(name)) {
      if (settings_body.contains(name))
        throw invalid_field(name, "'" + name + "' is given more than once; give it once");
      require_utf8(name, value);
      settings_body[name] = value;
    } else {
      throw invalid_field(name, "Unrecognized request argument supplied: " + name, "unknown_parameter");
    }
  }
  for (const auto& [name, upload] : fields.files) {
    if (name != "image")
      throw invalid_field(name, "Unrecognized file field supplied: " + name + " (a variation takes one 'image')",
                          "unknown_parameter");
    edit.files.emplace(name, upload);
  }
  if (edit.files.count("image") > 1) throw invalid_field("image", "a variation takes one 'image'");

  const GenerationSettings settings = parse_generation_settings(settings_body);
  json params = {{"strength", settings_body.contains("strength")
                                  ? strength_of(settings_body["strength"].get<std::string>())
                                  : 0.6}};
  if (settings_body.contains("prompt")) {
    const std::string prompt = settings_body["prompt"];
    if (prompt.size() > limits.max_prompt_bytes)
      throw invalid_field("prompt", "'prompt' is longer than " + std::to_string(limits.max_prompt_bytes) + " bytes");
    if (!prompt.empty()) params["prompt"] = prompt;
  }
  if (!settings.model.empty()) params["model"] = settings.model;
  if (settings.seed) params["seed"] = *settings.seed;
  if (settings.steps > 0) params["steps"] = settings.steps;
  if (settings.guidance_scale) params["cfg"] = *settings.guidance_scale;
  if (!settings.sampler.empty()) params["sampler"] = settings.sampler;
  if (!settings.negative_prompt.empty()) params["negative"] = settings.negative_prompt;
  edit.text.emplace(
      "plan", json{{"instruction", "a variation of the image"}, {"steps", {{{"op", kVariationOp}, {"params", params}}}}}
                  .dump());
  return parse_edit_request(edit, limits);
}

}  // namespace easel::serve
