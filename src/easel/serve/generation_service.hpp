#pragma once
// POST /v1/images/generations: a JSON text-to-image request (generate_request.hpp), turned into the one
// text-to-image request (ops/text_to_image.hpp) and run by the process's generation engine
// (ops/generation_engine.hpp; the diffusion library installs it). Builds without the engine,
// or without a model, answer 400 model_not_available naming what is missing — never a placeholder image.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/models/model_paths.hpp"
#include "easel/ops/text_to_image.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/generate_request.hpp"
#include "easel/serve/images_response.hpp"
#include "easel/serve/usage.hpp"
#include "easel/serve/work_control.hpp"

namespace easel::serve {

// `easel` is {model, sampler, steps, guidance, seed}; generated images are opaque.
using GenerateResult = ImagesResult;

struct GenerateControl {
  std::string default_model = {};             // the model of a request that names none (EASEL_MODEL)
  models::ModelPaths model_paths = {};        // where a request's model names are looked up
  std::string model_advice = {};              // how to name a model, ending the error of a request without one
  std::function<void(double)> progress = {};  // fraction of the denoising steps done
  std::function<void()> check = {};           // may throw WorkInterrupted; polled before each denoising step
  // Streaming: the encoded partial images (request.partial_images of them, index from 0), as the
  // engine's previews arrive.
  std::function<void(const Bytes&, int index)> partial = {};
};

// The request's settings under generate.image's names: guidance_scale is cfg, quality the preset, n the
// count; `model` and `base` are still the client's names.
TextToImageSettings text_to_image_settings(const GenerateRequest& request);

// Throws ApiError (400 model_not_available when there is no engine or model), WorkInterrupted when stopped.
GenerateResult run_generate_request(const GenerateRequest& request, const GenerateControl& control);

// Answers at once, before anything is queued, when this build has no generation engine: ApiError 400
// model_not_available with `param`, saying how to get one. `what` names the request.
void require_generation_engine(const std::string& what, const std::string& param);

}  // namespace easel::serve
