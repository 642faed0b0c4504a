#include "easel/serve/generation_service.hpp"

#include <algorithm>
#include <chrono>

#include "easel/models/model_store.hpp"
#include "easel/ops/generation_engine.hpp"
#include "easel/ops/generation_timings.hpp"
#include "easel/ops/text_to_image.hpp"
#include "easel/serve/api_error.hpp"

namespace easel::serve {
using nlohmann::json;

TextToImageSettings text_to_image_settings(const GenerateRequest& request) {
  const GenerationSettings& settings = request.settings;
  TextToImageSettings asked;
  asked.prompt = request.prompt;
  asked.negative = settings.negative_prompt;
  asked.model = settings.model;
  asked.base = settings.base;
  asked.seed = settings.seed;
  if (settings.steps > 0) asked.steps = settings.steps;
  asked.cfg = settings.guidance_scale;
  asked.sampler = settings.sampler;
  // dall-e-3's standard and hd are the medium and high presets.
  asked.preset = request.quality == "standard" ? "medium" : request.quality == "hd" ? "high" : request.quality;
  if (!request.size.automatic()) asked.size = cv::Size(request.size.width, request.size.height);
  asked.count = request.n;
  asked.loras = request.loras;
  return asked;
}

namespace {

// The engine's request for a client's: names (never paths on this machine) resolved in the models
// directory, the settings checked as every door checks them.
GenerationRequest engine_request(const GenerateRequest& request, const GenerateControl& control,
                                 const std::string& what) {
  TextToImageSettings asked = text_to_image_settings(request);
  if (!asked.model.empty()) asked.model = models::resolve_model_name(control.model_paths, asked.model).string();
  if (!asked.base.empty()) asked.base = models::resolve_model_name(control.model_paths, asked.base).string();
  GenerationRequest generation =
      text_to_image_request(asked, {what, control.default_model, control.model_advice, UnsetSeed::random});
  for (LoraChoice& lora : generation.loras) {
    try {
      lora.name = models::resolve_model_name(control.model_paths, lora.name).string();
    } catch (const Error& error) {
      throw api_error_from(error, "loras");
    }
  }
  return generation;
}

// Easel's `easel` object of the response: how the images were made, under the names clients use.
json easel_extension(const GenerationResult& generated, std::uint64_t seed, const models::ModelPaths& paths,
                     double encode_ms) {
  json easel = {{"model", models::model_display_name(paths, generated.model)},
                {"sampler", generated.sampler},
                {"steps", generated.steps},
                {"guidance", generated.guidance},
                {"seed", seed},
                {"precision", generated.precision},
                {"timings_ms", generation_timings_json(generated.timings, encode_ms)},
                {"peak_rss_mib", peak_rss_mib(generated.timings)}};
  if (!generated.base.empty()) easel["base"] = models::model_display_name(paths, generated.base);
  if (!generated.loras.empty()) {
    easel["loras"] = json::array();
    for (const LoraChoice& lora : generated.loras)
      easel["loras"].push_back({{"name", models::model_display_name(paths, lora.name)}, {"scale", lora.scale}});
  }
  return easel;
}

}  // namespace

GenerateResult run_generate_request(const GenerateRequest& request, const GenerateControl& control) {
  const std::string what = "POST /v1/images/generations (text-to-image)";
  EncodeOptions encode;
  encode.format = request.output_format;
  encode.quality = std::max(1, request.output_compression);
  OutputMetadata metadata;
  metadata.source_type = DigitalSourceType::trained_algorithmic_media;
  GenerationWatch watch(control.check);
  try {
    GenerationEngine& engine = generation_engine(what);
    GenerationRequest generation = engine_request(request, control, what);
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
    const auto encode_started = std::chrono::steady_clock::now();
    for (const auto& image : generated.images) result.images.push_back(encode_image(image, encode, metadata));
    const double encode_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - encode_started).count();
    result.width = generated.images.empty() ? 0 : generated.images.front().width();
    result.height = generated.images.empty() ? 0 : generated.images.front().height();
    result.usage.text_tokens = text_tokens(request.prompt + request.settings.negative_prompt);
    result.usage.output_tokens =
        image_tokens(result.width, result.height) * static_cast<std::int64_t>(result.images.size());
    result.easel = easel_extension(generated, generation.seed, control.model_paths, encode_ms);
    return result;
  } catch (const Error& error) {
    // Errors about a setting name it ("loras"); a missing model is about "model".
    throw api_error_from(error, !error.field().empty()                  ? error.field()
                                : error.kind() == ErrorKind::capability ? "model"
                                                                        : "");
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
