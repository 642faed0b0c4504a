#pragma once
// POST /v1/images/variations (OpenAI's dall-e-2 endpoint, multipart: image, n, size, response_format,
// user, model), validated at the edge and turned into an edit whose plan is one generate.variation step,
// so it runs through the registry and the executor like every edit. n images use seeds seed, seed + 1, …
// Easel extensions: prompt, strength, seed, steps, guidance_scale, sampler, negative_prompt, output_format.
#include "easel/serve/edit_request.hpp"

namespace easel::serve {

inline constexpr const char* kVariationOp = "generate.variation";

// Throws ApiError naming the field. (Whether a model and the engine exist is known only when it runs:
// the server answers 400 model_not_available, param model, then.)
EditRequest parse_variation_request(const RequestFields& fields, const RequestLimits& limits);

}  // namespace easel::serve
