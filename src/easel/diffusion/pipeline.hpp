#pragma once
// The Stable Diffusion pipelines of the reference (diffusers 0.25.1): text-to-image, image-to-image,
// inpainting (9-channel inpainting UNets, or masked latent blending for ordinary ones) and instruction
// edits (InstructPix2Pix; SD1/SD2 only), for SD1, SD2 and SDXL models (SDXL's conditioning adds the
// pooled text embedding and the micro-conditioning time ids, sdxl_text.hpp). `run_pipeline` reads top to bottom as the
// algorithm: check inputs → encode prompt → timesteps → latents → denoising loop (progress callback, cancel check) →
// decode. Every random tensor comes from a NoiseSource, asked in the reference's order, so a seeded generator
// reproduces the reference's images and supplied noise reproduces its golden runs.
#include <ATen/ATen.h>

#include <array>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "easel/diffusion/model.hpp"
#include "easel/diffusion/scheduler.hpp"

namespace easel::diffusion {

enum class PipelineMode { text_to_image, image_to_image, inpaint, instruct };

struct PipelineInput {
  PipelineMode mode = PipelineMode::text_to_image;
  std::string prompt;
  std::string negative_prompt;  // used only with classifier-free guidance
  std::int64_t width = 512;     // text-to-image; the other modes take the image's size
  std::int64_t height = 512;
  int steps = 20;
  double guidance = 7.5;        // CFG scale; ≤ 1 runs without guidance (a batch of one)
  double strength = 1.0;        // image-to-image and inpainting: how much of the schedule runs
  double image_guidance = 1.5;  // instruction edits
  int count = 1;                // images per prompt (one batch, one noise draw)
  SamplerKind sampler = SamplerKind::euler;
  int clip_skip = 0;
  at::Tensor image;  // (1, 3, H, W) in [-1, 1]; H and W multiples of 8
  at::Tensor mask;   // inpainting: (1, 1, H, W), ≥ 0.5 = repaint
  // SDXL's micro-conditioning, each (height, width) or (top, left): unset sizes are the generated
  // image's, as in the reference. The refiner's time ids take the aesthetic scores instead of the
  // target size (the negative one for the CFG's negative row).
  std::optional<std::array<std::int64_t, 2>> original_size;
  std::array<std::int64_t, 2> crop_top_left = {0, 0};
  std::optional<std::array<std::int64_t, 2>> target_size;
  double aesthetic_score = 6.0;
  double negative_aesthetic_score = 2.5;
};

struct PipelineCallbacks {
  // (steps done, steps in the run): once with 0 as the denoising loop starts, then after each step.
  std::function<void(int, int)> on_step;
  // Asked before each denoising step; true stops the run with PipelineCancelled.
  std::function<bool()> cancelled;
  // Partial results: min(previews, steps − 1) calls, after steps ⌈k·steps / (previews + 1)⌉ (k = 1, 2, …),
  // so evenly spaced and never after the last step, each with the scheduler's current estimate of the
  // final latents (its x0 prediction; inpainting with an ordinary UNet: blended with the image's latents
  // outside the mask), scaled as the UNet sees them, and the steps done. Nothing else changes: a run
  // with previews gives the same result as one without.
  int previews = 0;
  std::function<void(const at::Tensor& predicted_latents, int steps_done)> on_preview;
};

// The steps after which a run of `steps` steps with `previews` previews calls on_preview (ascending).
std::vector<int> preview_steps(int steps, int previews);

class PipelineCancelled : public std::runtime_error {
 public:
  PipelineCancelled() : std::runtime_error("generation cancelled") {}
};

struct PipelineOutput {
  at::Tensor prompt_embeds;  // the UNet's text conditioning batch (CFG order [negative, positive])
  AddedConditioning added;   // SDXL: the pooled text and time ids batch, rows as prompt_embeds'; else empty
  at::Tensor timesteps;      // the timesteps run, float32
  at::Tensor latents;        // final latents (count, 4, H/8, W/8)
  at::Tensor decoded;        // VAE output (count, 3, H, W), not clamped
  // The images as the reference hands them out: (decoded / 2 + 0.5) clamped to [0, 1].
  at::Tensor images() const { return (decoded / 2 + 0.5).clamp(0, 1); }
};

// Checks the input against the model (Error(usage) naming the field) and runs the pipeline.
PipelineOutput run_pipeline(const StableDiffusionModel& model, const PipelineInput& input, const NoiseSource& noise,
                            const PipelineCallbacks& callbacks = {});

}  // namespace easel::diffusion
