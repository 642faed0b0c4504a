#pragma once
// An image edit request (POST /v1/images/edits, or one item of POST /v1/jobs), validated once at the
// edge (DESIGN §1): every field's type, range and allowed values, with a 400 naming the field otherwise.
// Multipart forms and JSON job items are both read into RequestFields first, so there is one validator.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/core/json_input.hpp"
#include "easel/image/codec.hpp"
#include "easel/serve/bytes_codec.hpp"

namespace easel::serve {

struct Upload {
  std::string filename;
  std::string content_type;
  std::shared_ptr<const Bytes> bytes;
};

// A request's fields as the wire carries them: text values (numbers and booleans as strings, which is how
// the SDKs send multipart) and files.
struct RequestFields {
  std::multimap<std::string, std::string> text;
  std::multimap<std::string, Upload> files;
};

// A JSON object (a job item): strings, numbers and booleans become text fields, "plan" (an EditPlan
// object) its JSON text, and "image" (a base64 string or a list of them), "image[]" and "mask" (base64
// or data URLs) files. Throws ApiError naming the field.
RequestFields fields_from_json(const nlohmann::json& item);

struct RequestLimits {
  std::size_t max_images = 16;            // the source and up to 15 references
  std::size_t max_prompt_bytes = 32000;   // as OpenAI documents for gpt-image models
  std::uint64_t max_pixels = 40'000'000;  // per input image, checked from the header before decoding
  std::uint64_t max_image_bytes = 50ull * 1024 * 1024;
  std::size_t max_json_depth = kDefaultMaxJsonDepth;  // of the `plan` field
};

// The model name this server answers to, and the OpenAI names accepted as aliases of it so that code
// written against OpenAI runs with only its base URL changed.
inline constexpr const char* kEditModel = "easel-edit";
bool is_edit_model_alias(const std::string& name);
// A model is named, never given as a path: nothing from a request becomes a filesystem path.
bool is_model_name(const std::string& name);

struct OutputSize {
  int width = 0;  // 0: "auto", the edit's own size
  int height = 0;
  bool automatic() const { return width == 0; }
};
// Size rule (modelled on gpt-image-2's): "auto", or "WxH" with both sides multiples of 16 in 16..3840,
// the long side at most 3 times the short one, and at most 8,294,400 pixels. Throws ApiError(param size).
OutputSize parse_output_size(const std::string& text);

struct EditRequest {
  // kEditModel or an alias of it: the edit engine with the server's default diffusion model for its
  // generative steps; otherwise the name of the diffusion model those steps run.
  std::string model = kEditModel;
  std::string prompt;
  std::optional<nlohmann::json> plan;  // an explicit EditPlan (Easel extension), instead of the prompt
  std::vector<Upload> images;          // [0] is the source, the rest are references
  std::optional<Upload> mask;          // PNG with alpha; alpha 0 marks the area to edit
  int n = 1;
  std::optional<std::uint64_t> seed;  // Easel extension: the seed of generative steps (image i: seed + i)
  OutputSize size;
  std::string quality = "auto";     // auto, low, medium, high (accepted; the edit engine is exact at every quality)
  std::string background = "auto";  // auto, transparent, opaque
  ImageFormat output_format = ImageFormat::png;
  int output_compression = 100;        // 0..100; JPEG/WebP quality (100 = best; WebP 100 = lossless)
  std::string input_fidelity = "low";  // low, high
  std::string user;
  bool stream = false;
  int partial_images = 0;  // 0..3
};

// Throws ApiError (400 naming the field) for a missing, unknown or invalid field.
EditRequest parse_edit_request(const RequestFields& fields, const RequestLimits& limits);

// `value` with every occurrence of each pair's first string (a server path) replaced by its second (the
// name the client used), as edits and plan previews report plans.
nlohmann::json with_paths_renamed(const nlohmann::json& value,
                                  const std::vector<std::pair<std::string, std::string>>& renames);

}  // namespace easel::serve
