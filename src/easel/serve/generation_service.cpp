#include "easel/serve/generation_service.hpp"

#include <algorithm>

#include "easel/models/model_store.hpp"
#include "easel/ops/generation.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
using nlohmann::json;

GenerateResult run_generate_request(const GenerateRequest& request, const GenerateControl& control) {
  const std::string what = "POST /v1/images/generations (text-to-image)";
  const GenerationSettings& settings = request.settings;
  GenerationRequest generation;
  EncodeOptions encode;
  encode.format = request.output_format;
  encode.quality = std::max(1, request.output_compression);
  OutputMetadata metadata;
  metadata.source_type = DigitalSourceType::trained_algorithmic_media;
  GenerationWatch watch(control.check);
  try {
    GenerationEngine& engine = generation_engine(what);
    // A client's model is a name looked up in the models directory, never a path on this machine.
    if (settings.model.empty() && control.default_model.empty()) {
      throw invalid_field("model",
                          "name a diffusion model in 'model' (GET /v1/models lists the installed ones); this server "
                          "has no default model "
                          "(start it with EASEL_MODEL=NAME to set one)",
                          "model_not_available");
    }
    generation.model = settings.model.empty()
                           ? control.default_model
                           : models::resolve_model_name(control.model_paths, settings.model).string();
    if (!settings.base.empty())
      generation.base = models::resolve_model_name(control.model_paths, settings.base).string();
    generation.prompt = request.prompt;
    generation.negative_prompt = settings.negative_prompt;
    generation.width = request.size.width;
    generation.height = request.size.height;
    generation.steps = settings.steps;
    generation.guidance = settings.guidance_scale;
    generation.sampler = settings.sampler;
    generation.seed = settings.seed.value_or(random_seed());
    generation.count = request.n;
    metadata.plan_json = json{
        {"op", "generate.image"},
        {"prompt", request.prompt},
        {"model", models::model_display_name(control.model_paths, generation.model)},
        {"seed",
         generation.seed}}.dump();
    if (control.progress) {
      generation.on_step = [&control](int done, int total) {
        control.progress(total > 0 ? static_cast<double>(done) / total : 0.0);
      };
    }
    generation.cancelled = watch.cancelled();
    if (control.partial && request.partial_images > 0) {
      generation.previews = request.partial_images;
      generation.on_preview = [&control, &encode, &metadata, index = 0](const Image& preview, int) mutable {
        control.partial(encode_image(preview, encode, metadata), index++);
      };
    }
    GenerationResult generated;
    try {
      generated = engine.generate(generation);
    } catch (const GenerationCancelled&) {
      watch.rethrow();
    }
    GenerateResult result;
    for (const auto& image : generated.images) result.images.push_back(encode_image(image, encode, metadata));
    result.width = generated.images.empty() ? 0 : generated.images.front().width();
    result.height = generated.images.empty() ? 0 : generated.images.front().height();
    result.usage.text_tokens = text_tokens(request.prompt + settings.negative_prompt);
    result.usage.output_tokens =
        image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
    result.easel = {{"model", models::model_display_name(control.model_paths, generated.model)},
                    {"sampler", generated.sampler},
                    {"steps", generated.steps},
                    {"guidance", generated.guidance},
                    {"seed", generation.seed},
                    {"precision", generated.precision}};
    if (!generated.base.empty()) result.easel["base"] = models::model_display_name(control.model_paths, generated.base);
    return result;
  } catch (const Error& error) {
    throw api_error_from(error, error.kind() == ErrorKind::capability ? "model" : "");
  }
}

void require_generation_engine(const std::string& what, const std::string& param) {
  if (has_generation_engine()) return;
  try {
    generation_engine(what);
  } catch (const Error& error) {
    throw api_error_from(error, param);
  }
}

}  // namespace easel::serve
