#pragma once
// A POST /v1/images/generations JSON body, validated once at the edge: every field's type, range and
// allowed values, with a 400 naming the field otherwise. Torch-free and store-free, so the fuzz build
// links it alone (fuzz/fuzz_image_request.cpp).
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/serve/edit_request.hpp"

namespace easel::serve {

struct GenerateRequest {
  std::string prompt;
  std::string model;  // a model name for the engine; empty: the server's default (EASEL_MODEL)
  int n = 1;
  OutputSize size;    // auto: 512x512
  ImageFormat output_format = ImageFormat::png;
  int output_compression = 100;
  std::string quality = "auto";
  // Easel extensions (the diffusion engine's own settings).
  std::string negative_prompt;
  std::optional<std::uint64_t> seed;
  int steps = 0;
  std::optional<double> guidance_scale;
  std::string sampler;
};

// Throws ApiError naming the field.
GenerateRequest parse_generate_request(const nlohmann::json& body, const RequestLimits& limits);

}  // namespace easel::serve
