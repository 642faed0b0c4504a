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
#include "easel/serve/generate_request.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/serve/usage.hpp"

namespace easel::serve {

// `easel` is {model, sampler, steps, guidance, seed}; generated images are opaque.
using GenerateResult = ImagesResult;

// Throws ApiError (400 model_not_available when there is no engine or model).
GenerateResult run_generate_request(const GenerateRequest& request);

}  // namespace easel::serve
