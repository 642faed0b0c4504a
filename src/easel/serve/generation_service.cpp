#include "easel/serve/generation_service.hpp"

#include <algorithm>
#include <random>

#include "easel/models/model_store.hpp"
#include "easel/ops/generation.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
using nlohmann::json;

GenerateResult run_generate_request(const GenerateRequest& request) {
  const std::string what = "POST /v1/images/generations (text-to-image)";
  GenerationRequest generation;
  try {
    GenerationEngine& engine = generation_engine(what);
    // A client's model is a name looked up in the models directory, never a path on this machine.
    generation.model = request.model.empty() ? default_generation_model(what) : models::resolve_model_name(request.model).string();
    generation.prompt = request.prompt;
    generation.negative_prompt = request.negative_prompt;
    generation.width = request.size.width;
    generation.height = request.size.height;
    generation.steps = request.steps;
    generation.guidance = request.guidance_scale;
    generation.sampler = request.sampler;
    generation.seed = request.seed.value_or(std::random_device{}());
    generation.count = request.n;
    const GenerationResult generated = engine.generate(generation);
    GenerateResult result;
    EncodeOptions encode;
    encode.format = request.output_format;
    encode.quality = std::max(1, request.output_compression);
    OutputMetadata metadata;
    metadata.source_type = DigitalSourceType::trained_algorithmic_media;
    metadata.plan_json = json{{"op", "generate.image"}, {"prompt", request.prompt}, {"model", generated.model}, {"seed", generation.seed}}.dump();
    for (const auto& image : generated.images) result.images.push_back(encode_image(image, encode, metadata));
    result.width = generated.images.empty() ? 0 : generated.images.front().width();
    result.height = generated.images.empty() ? 0 : generated.images.front().height();
    result.usage.text_tokens = text_tokens(request.prompt + request.negative_prompt);
    result.usage.output_tokens = image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
    result.easel = {{"model", generated.model}, {"sampler", generated.sampler}, {"steps", generated.steps},
                    {"guidance", generated.guidance}, {"seed", generation.seed}};
    return result;
  } catch (const Error& error) {
    throw api_error_from(error, error.kind() == ErrorKind::capability ? "model" : "");
  }
}

}  // namespace easel::serve
