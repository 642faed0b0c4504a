#include "easel/ops/generation.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/samplers.hpp"
#include "easel/ops/seamless_blend.hpp"

namespace easel {

// Beyond 150 steps no sampler here changes the image visibly, and each step holds a worker for seconds;
// guidance above 30 only burns the image out. The one set of limits for every door (docs/ops.md).
constexpr int kMostSteps = 150;
constexpr int kHighestGuidance = 30;

std::vector<ParamSpec> generation_params() {
  ParamSpec sampler = make_param("sampler", ParamType::choice, "Sampler (default: the model's own scheduler)");
  sampler.choices = sampler_names();
  return {
      make_param("negative", ParamType::string, "What to steer away from (with cfg above 1)", ""),
      make_param("model", ParamType::string,
                 "Stable Diffusion model: a name, a .safetensors file or a diffusers folder (default: EASEL_MODEL)"),
      make_param("seed", ParamType::integer,
                 "Seed: the same seed gives the same result (default 0; `easel edit` records a random one)", nullptr, 0,
                 static_cast<double>(kLargestSeed)),
      make_param("steps", ParamType::integer, "Denoising steps (default 20; lcm: 4)", nullptr, 1, kMostSteps),
      make_param("cfg", ParamType::number,
                 "Classifier-free guidance scale; 1 or less turns it off (default 7.5, SDXL 5; lcm: 1)", nullptr, 0,
                 kHighestGuidance),
      sampler};
}

TextToImageSettings generation_settings(const Params& params) {
  TextToImageSettings settings;
  settings.prompt = params.text("prompt");
  settings.negative = params.text("negative");
  if (params.has("model")) settings.model = params.text("model");
  if (params.has("seed")) settings.seed = static_cast<std::uint64_t>(params.integer("seed"));
  if (params.has("steps")) settings.steps = static_cast<int>(params.integer("steps"));
  if (params.has("cfg")) settings.cfg = params.number("cfg");
  if (params.has("sampler")) settings.sampler = params.text("sampler");
  return settings;
}

TextToImageDoor generation_door(const std::string& what, const RunContext& context) {
  return {what, context.default_model, context.model_advice, UnsetSeed::zero};
}

void add_run_controls(GenerationRequest& request, const RunContext& context) {
  request.on_step = context.generation.on_step;
  request.cancelled = context.generation.cancelled;
  request.previews = context.generation.previews;
  request.on_preview = context.generation.on_preview;
}

GenerationRequest generation_request(const Params& params, GenerationMode mode, const std::string& what,
                                     const RunContext& context) {
  GenerationRequest request = text_to_image_request(generation_settings(params), generation_door(what, context));
  request.mode = mode;
  add_run_controls(request, context);
  return request;
}

ParamSpec working_size_param() {
  return make_param("working_size", ParamType::integer,
                    "Side a small region's context is scaled up to for the model (its training resolution: 512 for "
                    "SD1.x and SDXL-Turbo, 768 for SD2.x-768, 1024 for SDXL)",
                    512, 64, max_generation_side, "px");
}

Image generate_one(const GenerationRequest& request, const std::string& what, const RunContext& context) {
  GenerationResult result = generation_engine(what).generate(request);
  // Named as the step (or the run's default) named it, so every door reports the same name.
  if (context.used != nullptr) {
    std::vector<std::string>& models = context.used->models;
    if (std::find(models.begin(), models.end(), request.model) == models.end()) models.push_back(request.model);
  }
  return std::move(result.images.front());
}

ParamSpec seam_blend_param() {
  return make_choice(
      "blend",
      "How the generated pixels meet the photo: feather (the target's feathered weight) or multiband (band-by-band "
      "blending inside the feather: colour differences fade over a wider band, detail stays sharp)",
      {"feather", "multiband"}, "feather");
}

SeamBlend seam_blend_of(const Params& params) {
  return params.text("blend") == "multiband" ? SeamBlend::multiband : SeamBlend::feather;
}

void declare_region_inpainting(OperationSpec& spec) {
  spec.params.push_back(working_size_param());
  spec.params.push_back(seam_blend_param());
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::named, RegionKind::box,          RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::object};
  spec.model = "diffusion:inpaint";
}

Image inpaint_within(const Image& input, const cv::Mat& weight, GenerationRequest request, int working_side,
                     const std::string& what, const RunContext& run, SeamBlend blend) {
  const cv::Mat image = input.to_rgba8().mat();
  const cv::Mat region = weight > 0;
  const cv::Rect bounds = cv::boundingRect(region);
  if (bounds.empty())
    throw Error(ErrorKind::plan, what + ": the target region is empty, so there is nothing to repaint");
  // Context around the region: a quarter of its size on each side (at least 16 px), within the image.
  const int margin_x = std::max(16, bounds.width / 4);
  const int margin_y = std::max(16, bounds.height / 4);
  const cv::Rect context =
      cv::Rect(bounds.x - margin_x, bounds.y - margin_y, bounds.width + 2 * margin_x, bounds.height + 2 * margin_y) &
      cv::Rect(0, 0, image.cols, image.rows);
  const double upscale = std::max(1.0, static_cast<double>(working_side) / std::max(context.width, context.height));
  const cv::Size working(static_cast<int>(std::lround(context.width * upscale)),
                         static_cast<int>(std::lround(context.height * upscale)));
  cv::Mat crop = image(context).clone();
  cv::Mat mask;
  region(context).convertTo(mask, CV_32F, 1.0 / 255);
  if (working != context.size()) {
    cv::resize(crop, crop, working, 0, 0, cv::INTER_CUBIC);
    cv::resize(mask, mask, working, 0, 0, cv::INTER_NEAREST);
  }
  request.mode = GenerationMode::inpaint;
  request.image = Image(crop);
  request.mask = mask;
  if (request.on_preview) {
    // A preview of the window alone would not show where it goes: place it into the picture.
    request.on_preview = [image, context, forward = std::move(request.on_preview)](const Image& preview, int done) {
      cv::Mat placed = image.clone();
      cv::resize(preview.to_rgba8().mat(), placed(context), context.size(), 0, 0, cv::INTER_AREA);
      forward(Image(placed), done);
    };
  }
  cv::Mat repainted = generate_one(request, what, run).to_rgba8().mat();
  if (repainted.size() != context.size()) cv::resize(repainted, repainted, context.size(), 0, 0, cv::INTER_AREA);
  cv::Mat result = image.clone();
  if (blend == SeamBlend::multiband) {
    // Bands down to about a quarter of the region's shorter side: coarser ones would carry the
    // generated colours far outside it.
    const int shorter = std::max(8, std::min(bounds.width, bounds.height));
    const int bands = std::max(1, static_cast<int>(std::floor(std::log2(shorter / 4.0))));
    repainted = multiband_blend(image(context), repainted, weight(context) >= 0.5, bands);
  }
  repainted.copyTo(result(context));
  return Image(result);
}

}  // namespace easel
