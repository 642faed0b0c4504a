#pragma once
// A POST /v1/images/generations JSON body, validated once at the edge: every field's type, range and
// allowed values, with a 400 naming the field otherwise. Torch-free and store-free, so the fuzz build
// links it alone (fuzz/fuzz_image_request.cpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/serve/edit_request.hpp"

namespace easel::serve {

// The diffusion engine's own settings, Easel extensions shared by generations and variations.
struct GenerationSettings {
  std::string model;  // a model name for the engine; empty: the server's default (EASEL_MODEL)
  std::string base;   // a model name completing a UNet-only model; empty: the one its sidecar names
  std::string negative_prompt;
  std::optional<std::uint64_t> seed;
  int steps = 0;
  std::optional<double> guidance_scale;
  std::string sampler;
};

// Reads model, base, negative_prompt, seed, steps, guidance_scale and sampler from `body` (numbers as
// JSON numbers or their string form). OpenAI's model names mean the default model; a model (and a
// base) is a name, never a path. Throws ApiError naming the field.
GenerationSettings parse_generation_settings(const nlohmann::json& body);

struct GenerateRequest {
  std::string prompt;
  int n = 1;
  OutputSize size;  // auto: the quality preset's side (512x512 for auto)
  ImageFormat output_format = ImageFormat::png;
  int output_compression = 100;
  std::string quality = "auto";  // a quality preset (standard, hd: medium, high); explicit fields win
  bool stream = false;           // server-sent events (n must be 1)
  int partial_images = 0;        // 0..3, with stream
  GenerationSettings settings;
  // Easel's extension "loras": [{"name": NAME, "scale": X} or "NAME[:SCALE]"], names only (never paths);
  // counts and scales are checked with the other settings (ops/text_to_image.hpp).
  std::vector<LoraChoice> loras;
};

// Throws ApiError naming the field.
GenerateRequest parse_generate_request(const nlohmann::json& body, const RequestLimits& limits);

}  // namespace easel::serve
