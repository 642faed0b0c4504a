#include "easel/diffusion/diffusion_engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/runtime.hpp"
#include "easel/diffusion/taesd.hpp"
#include "easel/ops/generation_presets.hpp"

namespace easel::diffusion {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// The process's peak resident set so far (getrusage reports it in KiB on Linux).
std::int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

// Each preview costs a decode (a TAESD decode, or a whole VAE decode without it).
constexpr int max_previews = 1000;

PipelineMode pipeline_mode(GenerationMode mode) {
  switch (mode) {
    case GenerationMode::text_to_image:
      return PipelineMode::text_to_image;
    case GenerationMode::image_to_image:
      return PipelineMode::image_to_image;
    case GenerationMode::inpaint:
      return PipelineMode::inpaint;
    case GenerationMode::instruct:
      return PipelineMode::instruct;
  }
  return PipelineMode::text_to_image;
}

// How an input image maps onto what the model takes: scaled down to fit max_generation_side, then
// padded (mirrored) to multiples of 8 on the right and bottom; the result goes back the same way.
struct Framing {
  cv::Size original;
  cv::Size scaled;
  cv::Size padded;

  explicit Framing(cv::Size size) : original(size), scaled(size) {
    const int longest = std::max(size.width, size.height);
    if (longest > max_generation_side) {
      const double factor = static_cast<double>(max_generation_side) / longest;
      scaled = {std::max(8, static_cast<int>(size.width * factor)),
                std::max(8, static_cast<int>(size.height * factor))};
    }
    padded = {(scaled.width + 7) / 8 * 8, (scaled.height + 7) / 8 * 8};
  }

  cv::Mat fit(const cv::Mat& input, int border) const {
    cv::Mat resized = input;
    if (scaled != original) cv::resize(input, resized, scaled, 0, 0, cv::INTER_AREA);
    cv::Mat result;
    cv::copyMakeBorder(resized, result, 0, padded.height - scaled.height, 0, padded.width - scaled.width, border,
                       cv::Scalar::all(0));
    return result;
  }

  cv::Mat restore(const cv::Mat& output) const {
    const cv::Mat cropped = output(cv::Rect(0, 0, scaled.width, scaled.height));
    if (scaled == original) return cropped.clone();
    cv::Mat result;
    cv::resize(cropped, result, original, 0, 0, cv::INTER_CUBIC);
    return result;
  }
};

// RGB(A) 8-bit → (1, 3, H, W) in [-1, 1], as the reference's image processor does (x / 255 · 2 − 1).
at::Tensor image_tensor(const cv::Mat& rgba) {
  cv::Mat rgb;
  cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
  cv::Mat values;
  rgb.convertTo(values, CV_32FC3, 1.0 / 255);
  const at::Tensor hwc = at::from_blob(values.data, {values.rows, values.cols, 3}, at::kFloat).clone();
  return (hwc.permute({2, 0, 1}).unsqueeze(0) * 2 - 1).contiguous();
}

at::Tensor mask_tensor(const cv::Mat& weights) {
  cv::Mat values;
  weights.convertTo(values, CV_32F);
  return at::from_blob(values.data, {1, 1, values.rows, values.cols}, at::kFloat).clone();
}

// (3, H, W) in [0, 1] → RGBA 8-bit, rounded as the reference rounds its PNGs (half to even).
cv::Mat rgba_image(const at::Tensor& chw) {
  const at::Tensor bytes = at::round(chw * 255).clamp(0, 255).to(at::kByte).permute({1, 2, 0}).contiguous();
  const cv::Mat rgb(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr());
  cv::Mat rgba;
  cv::cvtColor(rgb, rgba, cv::COLOR_RGB2RGBA);
  return rgba;
}

// CFG without a scale given: diffusers' defaults, 7.5 for SD1/SD2 pipelines and 5 for SDXL's.
constexpr double default_guidance = 7.5;
constexpr double default_sdxl_guidance = 5.0;

// The request's settings as the pipeline takes them, with the engine's defaults (20 steps and CFG 7.5,
// SDXL 5; the lcm sampler 4 and 1).
PipelineInput pipeline_input(const GenerationRequest& request, const StableDiffusionModel& model) {
  if (request.count < 1 || request.count > max_images_per_request) {
    throw Error(ErrorKind::usage, "image count " + std::to_string(request.count) + " is outside 1.." +
                                      std::to_string(max_images_per_request));
  }
  PipelineInput input;
  input.mode = pipeline_mode(request.mode);
  input.prompt = request.prompt;
  input.negative_prompt = request.negative_prompt;
  input.sampler = request.sampler.empty() ? model.scheduler.sampler : sampler_kind_from_name(request.sampler);
  const bool lcm = input.sampler == SamplerKind::lcm;
  input.steps = request.steps > 0 ? request.steps : lcm ? 4 : 20;
  input.guidance = request.guidance.value_or(lcm ? 1.0 : model.sdxl ? default_sdxl_guidance : default_guidance);
  input.strength = request.strength;
  input.image_guidance = request.image_guidance;
  input.count = request.count;
  return input;
}

void check_size(int width, int height) {
  if (width < 8 || height < 8 || width > max_generation_side || height > max_generation_side || width % 8 != 0 ||
      height % 8 != 0) {
    throw Error(ErrorKind::usage, "size " + std::to_string(width) + "x" + std::to_string(height) +
                                      " is not allowed: width and height must be multiples of 8 from 8 to " +
                                      std::to_string(max_generation_side));
  }
}

// The side of the square a model was trained at: SDXL's 1024, except SDXL-Turbo's 512 (distilled for
// 1-4 trailing steps at 512²); SD1.x's and SD2.x's 512.
int native_side(const StableDiffusionModel& model) {
  return model.sdxl && model.scheduler.spacing != TimestepSpacing::trailing ? 1024 : 512;
}

// The size of a text-to-image run (a size left to the model at its native size), or the input image
// (and mask) framed for the model; the framing that takes the results back, for the image modes.
std::optional<Framing> frame_inputs(const GenerationRequest& request, const StableDiffusionModel& model,
                                    PipelineInput& input) {
  if (request.mode == GenerationMode::text_to_image) {
    cv::Size size(request.width, request.height);
    if (request.default_size && native_side(model) != 512)
      size = preset_size(request.default_size->aspect, request.default_size->side * native_side(model) / 512);
    check_size(size.width, size.height);
    input.width = size.width;
    input.height = size.height;
    return std::nullopt;
  }
  if (request.image.empty()) throw Error(ErrorKind::usage, "this generation mode needs an input image");
  const cv::Mat rgba = request.image.to_rgba8().mat();
  Framing framing(rgba.size());
  input.image = image_tensor(framing.fit(rgba, cv::BORDER_REFLECT_101));
  if (request.mode == GenerationMode::inpaint) {
    if (request.mask.empty() || request.mask.size() != rgba.size()) {
      throw Error(ErrorKind::usage, "inpainting needs a mask of the image's size");
    }
    input.mask = mask_tensor(framing.fit(request.mask, cv::BORDER_CONSTANT));
  }
  return framing;
}

// A generation's stage times, taken where each stage ends. The pipeline's progress reports mark its
// stages: report 0 ends the conditioning, report k the k-th step.
struct StageClock {
  GenerationTimings timings;
  Clock::time_point started = Clock::now();
  Clock::time_point stage_started = started;

  void end_stage(double& stage_ms) {
    const auto now = Clock::now();
    stage_ms = milliseconds(stage_started, now);
    stage_started = now;
  }
  void reported(int done) {
    if (done == 0) return end_stage(timings.conditioning_ms);
    end_stage(timings.step_ms.emplace_back());
    if (done == 1) timings.first_step_ms = milliseconds(started, stage_started);
  }
};

class DiffusionEngine : public GenerationEngine {
 public:
  explicit DiffusionEngine(DiffusionEngineOptions options) : options_(std::move(options)) {}

  GenerationResult generate(const GenerationRequest& request) override {
    const std::lock_guard lock(mutex_);
    StageClock clock;
    initialize_runtime(options_.threads);
    const StableDiffusionModel& model = load(request);
    clock.end_stage(clock.timings.load_ms);
    PipelineInput input = pipeline_input(request, model);
    const std::optional<Framing> framing = frame_inputs(request, model, input);

    PipelineCallbacks callbacks;
    callbacks.on_step = [&](int done, int total) {
      clock.reported(done);
      if (request.on_step) request.on_step(done, total);
    };
    callbacks.cancelled = request.cancelled;
    if (request.previews < 0 || request.previews > max_previews) {
      throw Error(ErrorKind::usage,
                  "previews " + std::to_string(request.previews) + " is outside 0.." + std::to_string(max_previews));
    }
    if (request.previews > 0 && request.on_preview) {
      const TinyDecoder* taesd = preview_taesd(model.sdxl.has_value());
      callbacks.previews = request.previews;
      // The first image of the batch, decoded and framed as the final one will be.
      callbacks.on_preview = [&, taesd](const at::Tensor& latents, int done) {
        const at::Tensor first = latents.slice(0, 0, 1);
        const at::Tensor decoded = taesd ? taesd->decode(first) : model.vae.decode(first / model.vae.scaling_factor());
        const cv::Mat rgba = rgba_image((decoded[0] / 2 + 0.5).clamp(0, 1));
        request.on_preview(Image(framing ? framing->restore(rgba) : rgba), done);
      };
    }
    SeededNoise noise(request.seed);
    PipelineOutput output;
    try {
      output = run_pipeline(model, input, noise.source(), callbacks);
    } catch (const PipelineCancelled&) {
      throw GenerationCancelled();
    }
    clock.end_stage(clock.timings.decode_ms);

    GenerationResult result;
    const at::Tensor images = output.images();
    for (std::int64_t k = 0; k < images.size(0); ++k) {
      const cv::Mat rgba = rgba_image(images[k]);
      result.images.emplace_back(framing ? framing->restore(rgba) : rgba);
    }
    result.model = loaded_path_.string();
    result.base = model.base.string();
    for (const LoraUse& lora : model.loras.uses) result.loras.push_back({lora.file.string(), lora.scale});
    result.sampler = std::string(sampler_name(input.sampler));
    result.precision = precision_name(options_.precision);
    result.steps = static_cast<int>(output.timesteps.size(0));
    result.guidance = input.guidance;
    clock.end_stage(clock.timings.postprocess_ms);
    clock.timings.peak_rss_bytes = peak_resident_bytes();
    result.timings = std::move(clock.timings);
    return result;
  }

 private:
  // TAESD for previews of SD1/SD2 latents, TAESD-XL for SDXL's, each loaded once; nullptr: previews
  // decode with the model's VAE.
  const TinyDecoder* preview_taesd(bool sdxl) {
    using Choice = DiffusionEngineOptions::PreviewDecoder;
    if (options_.preview_decoder == Choice::vae) return nullptr;
    std::optional<TinyDecoder>& decoder = sdxl ? taesdxl_ : taesd_;
    if (decoder) return &*decoder;
    const std::vector<std::filesystem::path>& folders = sdxl ? options_.taesdxl_folders : options_.taesd_folders;
    for (const auto& folder : folders) {
      if (const auto file = find_taesd(folder)) return &decoder.emplace(*file);
    }
    if (options_.preview_decoder == Choice::automatic) return nullptr;
    std::string searched;
    for (const auto& folder : folders) searched += (searched.empty() ? "" : ", ") + folder.string();
    const std::string where =
        searched.empty() ? " was found (there is no models directory to look in)" : " is in " + searched;
    throw Error(ErrorKind::capability, std::string(sdxl ? "TAESD-XL" : "TAESD") + " previews were asked for, but no " +
                                           taesd_decoder_file + " or " + taesd_diffusers_file + where +
                                           ": download it with `" + (sdxl ? taesdxl_pull_command : taesd_pull_command) +
                                           "`");
  }

  std::filesystem::path resolve(const std::string& name) const {
    return options_.resolve_model ? options_.resolve_model(name) : std::filesystem::path(name);
  }

  // The model with the request's LoRA files merged, kept until a request names another model or base. A
  // request with another LoRA set (or scales) re-merges the weights the sets change, in place
  // (change_loras), without loading the model again.
  const StableDiffusionModel& load(const GenerationRequest& request) {
    if (request.model.empty()) throw Error(ErrorKind::usage, "no model given (--model NAME|PATH)");
    const std::filesystem::path path = resolve(request.model);
    // A request's base wins over the one the model's sidecar names (load_model reads that).
    const std::filesystem::path base = request.base.empty() ? std::filesystem::path() : resolve(request.base);
    std::vector<LoraUse> loras;
    for (const LoraChoice& lora : request.loras) loras.push_back({resolve(lora.name), lora.scale});
    // The cache is keyed by paths alone: an engine computes in one precision (options_.precision).
    if (model_ && path == loaded_path_ && base == loaded_base_) {
      if (loras != model_->loras.uses) change_loras(*model_, loras);
      return *model_;
    }
    model_.reset();
    ModelOptions model_options;
    model_options.tokenizer_dir = options_.tokenizer_dir;
    model_options.base = base;
    model_options.resolve_base_name = [this](const std::string& base_model) { return resolve(base_model); };
    model_options.precision = options_.precision;
    model_options.loras = loras;
    model_ = std::make_unique<StableDiffusionModel>(load_model(path, model_options));
    loaded_path_ = path;
    loaded_base_ = base;
    return *model_;
  }

  DiffusionEngineOptions options_;
  std::mutex mutex_;
  std::unique_ptr<StableDiffusionModel> model_;
  std::optional<TinyDecoder> taesd_;
  std::optional<TinyDecoder> taesdxl_;
  std::filesystem::path loaded_path_;
  std::filesystem::path loaded_base_;  // the base the request named; empty: the sidecar's, if any
};

}  // namespace

std::vector<std::filesystem::path> taesd_folders_in(const std::filesystem::path& models_dir) {
  if (models_dir.empty()) return {};
  return {models_dir / "madebyollin" / "taesd", models_dir / "taesd"};
}

std::vector<std::filesystem::path> taesdxl_folders_in(const std::filesystem::path& models_dir) {
  if (models_dir.empty()) return {};
  return {models_dir / "madebyollin" / "taesdxl", models_dir / "taesdxl"};
}

std::shared_ptr<GenerationEngine> make_diffusion_engine(DiffusionEngineOptions options) {
  return std::make_shared<DiffusionEngine>(std::move(options));
}

}  // namespace easel::diffusion
