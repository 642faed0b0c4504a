#pragma once
// POST /v1/images/generations: a JSON text-to-image request, validated here, run by the process's
// generation engine (ops/generation.hpp; the diffusion library installs it). Builds without the engine,
// or without a model, answer 400 model_not_available naming what is missing — never a placeholder image.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/edit_request.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/serve/usage.hpp"

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

// `easel` is {model, sampler, steps, guidance, seed}; generated images are opaque.
using GenerateResult = ImagesResult;

// Throws ApiError (400 model_not_available when there is no engine or model).
GenerateResult run_generate_request(const GenerateRequest& request);

}  // namespace easel::serve
