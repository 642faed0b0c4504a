#include "easel/serve/edit_request.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include "easel/core/json_input.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
namespace {

using nlohmann::json;

const std::set<std::string>& known_text_fields() {
  // Packed into lines: clang-format 14 would give each field a line of its own.
  // clang-format off
  static const std::set<std::string> fields = {"model", "prompt", "plan", "n", "size", "quality", "background",
                                               "output_format", "output_compression", "input_fidelity", "user",
                                               "response_format", "stream", "partial_images", "moderation", "seed"};
  // clang-format on
  return fields;
}

std::optional<std::string> single_text(const RequestFields& fields, const std::string& name) {
  const auto count = fields.text.count(name);
  if (count == 0) return std::nullopt;
  if (count > 1) throw invalid_field(name, "'" + name + "' is given " + std::to_string(count) + " times; give it once");
  return fields.text.find(name)->second;
}

int integer_field(const RequestFields& fields, const std::string& name, int fallback, int low, int high) {
  const auto text = single_text(fields, name);
  if (!text) return fallback;
  int value = 0;
  const auto* end = text->data() + text->size();
  const auto [stop, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || stop != end)
    throw invalid_field(name, "'" + name + "' must be an integer, got '" + *text + "'");
  if (value < low || value > high) {
    throw invalid_field(name, "'" + name + "' must be between " + std::to_string(low) + " and " + std::to_string(high) +
                                  ", got " + *text);
  }
  return value;
}

// Easel's extension: the seed of the edit's generative steps, as `easel edit --seed`.
std::optional<std::uint64_t> seed_field(const RequestFields& fields) {
  const auto text = single_text(fields, "seed");
  if (!text) return std::nullopt;
  std::uint64_t value = 0;
  const auto* end = text->data() + text->size();
  const auto [stop, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || stop != end || value > (std::uint64_t{1} << 53) - 1) {
    throw invalid_field("seed", "'seed' must be an integer from 0 to 2^53 - 1 (9007199254740991), got '" + *text + "'");
  }
  return value;
}

bool boolean_field(const RequestFields& fields, const std::string& name) {
  const auto text = single_text(fields, name);
  if (!text) return false;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  throw invalid_field(name, "'" + name + "' must be true or false, got '" + *text + "'");
}

std::string choice_field(const RequestFields& fields, const std::string& name, const std::string& fallback,
                         const std::vector<std::string>& allowed) {
  const auto text = single_text(fields, name);
  if (!text) return fallback;
  if (std::find(allowed.begin(), allowed.end(), *text) != allowed.end()) return *text;
  std::string list;
  for (const auto& value : allowed) list += (list.empty() ? "" : ", ") + value;
  throw invalid_field(name, "'" + name + "' must be one of " + list + ", got '" + *text + "'");
}

std::string text_of_json(const std::string& name, const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  throw invalid_field(name, "'" + name + "' must be a string, number or boolean");
}

Upload upload_from_base64(const std::string& name, const json& value) {
  if (!value.is_string()) throw invalid_field(name, "'" + name + "' must be a base64 string (or a data URL)");
  auto bytes = base64_decode(value.get_ref<const std::string&>());
  if (!bytes) throw invalid_field(name, "'" + name + "' is not valid base64");
  return Upload{name, "", std::make_shared<const Bytes>(std::move(*bytes))};
}

void check_image_upload(const Upload& upload, const std::string& param, const RequestLimits& limits) {
  if (upload.bytes->empty()) throw invalid_field(param, "'" + param + "' is an empty file");
  if (upload.bytes->size() > limits.max_image_bytes) {
    throw invalid_field(param,
                        "'" + param + "' is " + std::to_string(upload.bytes->size()) + " bytes; the limit is " +
                            std::to_string(limits.max_image_bytes),
                        "image_too_large");
  }
  ImageInfo info;
  try {
    info = probe_image(*upload.bytes);
  } catch (const Error& error) {
    throw invalid_field(param, "'" + param + "' is not a PNG, JPEG or WebP image: " + std::string(error.what()),
                        "invalid_image_format");
  }
  const auto pixels = static_cast<std::uint64_t>(info.width) * static_cast<std::uint64_t>(info.height);
  if (pixels > limits.max_pixels) {
    throw invalid_field(param,
                        "'" + param + "' is " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                            "; the limit is " + std::to_string(limits.max_pixels) + " pixels",
                        "image_too_large");
  }
}

}  // namespace

RequestFields fields_from_json(const json& item) {
  if (!item.is_object()) throw invalid_field("", "each request must be a JSON object");
  RequestFields fields;
  for (const auto& [name, value] : item.items()) {
    if (name == "image" || name == "image[]") {
      if (value.is_array()) {
        for (const auto& element : value) fields.files.emplace("image[]", upload_from_base64(name, element));
      } else {
        fields.files.emplace(name, upload_from_base64(name, value));
      }
    } else if (name == "mask") {
      fields.files.emplace(name, upload_from_base64(name, value));
    } else if (name == "plan") {
      if (!value.is_object()) throw invalid_field("plan", "'plan' must be an EditPlan object (DESIGN §4)");
      fields.text.emplace(name, value.dump());
    } else {
      fields.text.emplace(name, text_of_json(name, value));
    }
  }
  return fields;
}

bool is_model_name(const std::string& name) {
  return !name.empty() && name.size() <= 200 && name.front() != '/' && name.front() != '.' && name.front() != '~' &&
         name.find("..") == std::string::npos && name.find('\\') == std::string::npos &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") ==
             std::string::npos;
}

bool is_edit_model_alias(const std::string& name) {
  static const std::array<const char*, 6> names = {kEditModel,      "gpt-image-1", "gpt-image-1-mini",
                                                   "gpt-image-1.5", "gpt-image-2", "dall-e-2"};
  return std::any_of(names.begin(), names.end(), [&](const char* known) { return name == known; });
}

OutputSize parse_output_size(const std::string& text) {
  if (text == "auto") return {};
  const auto x = text.find('x');
  int width = 0;
  int height = 0;
  const bool parsed =
      x != std::string::npos && std::from_chars(text.data(), text.data() + x, width).ptr == text.data() + x &&
      std::from_chars(text.data() + x + 1, text.data() + text.size(), height).ptr == text.data() + text.size();
  if (!parsed || width <= 0 || height <= 0)
    throw invalid_field("size", "'size' must be 'auto' or WIDTHxHEIGHT (e.g. 1024x1024), got '" + text + "'");
  if (width % 16 != 0 || height % 16 != 0)
    throw invalid_field("size", "'size' " + text + ": both sides must be multiples of 16");
  if (width > 3840 || height > 3840)
    throw invalid_field("size", "'size' " + text + ": the longest side allowed is 3840");
  if (std::max(width, height) > 3 * std::min(width, height))
    throw invalid_field("size", "'size' " + text + ": the aspect ratio must be between 1:3 and 3:1");
  if (static_cast<long long>(width) * height > 8'294'400)
    throw invalid_field("size", "'size' " + text + ": at most 8294400 pixels (3840x2160)");
  return {width, height};
}

EditRequest parse_edit_request(const RequestFields& fields, const RequestLimits& limits) {
  for (const auto& [name, value] : fields.text) {
    if (!known_text_fields().contains(name))
      throw invalid_field(name, "Unrecognized request argument supplied: " + name, "unknown_parameter");
  }
  for (const auto& [name, upload] : fields.files) {
    if (name != "image" && name != "image[]" && name != "mask")
      throw invalid_field(name, "Unrecognized file field supplied: " + name + " (expected image, image[] or mask)",
                          "unknown_parameter");
  }
  EditRequest request;
  if (const auto model = single_text(fields, "model")) {
    if (!is_edit_model_alias(*model) && !is_model_name(*model)) {
      throw invalid_field(
          "model",
          "'model' must be easel-edit (or an OpenAI image model name) or the name of an installed diffusion model "
          "(GET /v1/models lists them), not a path",
          "model_not_found");
    }
    request.model = *model;
  }
  if (const auto plan = single_text(fields, "plan")) {
    try {
      request.plan = parse_json_input(*plan, limits.max_json_depth);
    } catch (const json::exception& error) {  // parse_error, and out_of_range for a number like 1E999
      throw invalid_field("plan", std::string("'plan' is not valid JSON: ") + error.what());
    } catch (const JsonTooDeep& error) {
      throw invalid_field("plan", std::string("'plan' is refused: ") + error.what(), "json_too_deep");
    }
  }
  request.prompt = single_text(fields, "prompt").value_or("");
  if (request.prompt.empty() && !request.plan)
    throw invalid_field("prompt", "'prompt' is required (or 'plan', an explicit EditPlan)",
                        "missing_required_parameter");
  if (request.prompt.size() > limits.max_prompt_bytes) {
    throw invalid_field("prompt", "'prompt' is " + std::to_string(request.prompt.size()) + " bytes; the limit is " +
                                      std::to_string(limits.max_prompt_bytes));
  }
  for (const char* name : {"image", "image[]"}) {
    for (auto [it, end] = fields.files.equal_range(name); it != end; ++it) request.images.push_back(it->second);
  }
  if (request.images.empty())
    throw invalid_field("image", "'image' is required: the image to edit (PNG, JPEG or WebP)",
                        "missing_required_parameter");
  if (request.images.size() > limits.max_images) {
    throw invalid_field("image", "at most " + std::to_string(limits.max_images) + " images per request, got " +
                                     std::to_string(request.images.size()));
  }
  for (const auto& image : request.images) check_image_upload(image, "image", limits);
  const auto masks = fields.files.count("mask");
  if (masks > 1) throw invalid_field("mask", "give at most one 'mask'");
  if (masks == 1) {
    request.mask = fields.files.find("mask")->second;
    check_image_upload(*request.mask, "mask", limits);
    if (probe_image(*request.mask->bytes).format != ImageFormat::png)
      throw invalid_field("mask", "'mask' must be a PNG (its alpha channel marks the area to edit)",
                          "invalid_image_format");
  }

  request.n = integer_field(fields, "n", 1, 1, 10);
  request.seed = seed_field(fields);
  request.size = parse_output_size(single_text(fields, "size").value_or("auto"));
  request.quality = choice_field(fields, "quality", "auto", {"auto", "low", "medium", "high", "standard"});
  request.background = choice_field(fields, "background", "auto", {"auto", "transparent", "opaque"});
  request.output_format = format_from_name(choice_field(fields, "output_format", "png", {"png", "jpeg", "webp"}));
  request.output_compression = integer_field(fields, "output_compression", 100, 0, 100);
  request.input_fidelity = choice_field(fields, "input_fidelity", "low", {"low", "high"});
  choice_field(fields, "response_format", "b64_json", {"b64_json"});
  choice_field(fields, "moderation", "auto", {"auto", "low"});
  request.user = single_text(fields, "user").value_or("");
  request.stream = boolean_field(fields, "stream");
  request.partial_images = integer_field(fields, "partial_images", 0, 0, 3);
  if (request.stream && request.n > 1)
    throw invalid_field("n", "a streamed edit makes one image; use n=1 with stream=true");
  if (request.background == "transparent" && request.output_format == ImageFormat::jpeg) {
    throw invalid_field("background", "'background' transparent needs output_format png or webp (JPEG has no alpha)");
  }
  return request;
}

nlohmann::json with_paths_renamed(const nlohmann::json& value,
                                  const std::vector<std::pair<std::string, std::string>>& renames) {
  std::string text = value.dump();
  for (const auto& [path, name] : renames) {
    for (auto at = text.find(path); at != std::string::npos; at = text.find(path, at + name.size()))
      text.replace(at, path.size(), name);
  }
  return nlohmann::json::parse(text);
}

}  // namespace easel::serve
