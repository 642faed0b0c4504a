#include "easel/diffusion/pipeline.hpp"

#include <algorithm>

#include "easel/core/error.hpp"
#include "easel/diffusion/runtime.hpp"

namespace easel::diffusion {
namespace {

constexpr int max_images_per_prompt = 8;

const char* mode_name(PipelineMode mode) {
  switch (mode) {
    case PipelineMode::text_to_image:
      return "text-to-image";
    case PipelineMode::image_to_image:
      return "image-to-image";
    case PipelineMode::inpaint:
      return "inpainting";
    case PipelineMode::instruct:
      return "instruction edits";
  }
  return "generation";
}

void check_image(const at::Tensor& image, std::int64_t channels, const char* what) {
  if (!image.defined() || image.dim() != 4 || image.size(0) != 1 || image.size(1) != channels) {
    throw Error(ErrorKind::usage, std::string(what) + " must be a (1, " + std::to_string(channels) + ", H, W) tensor");
  }
  if (image.size(2) % 8 != 0 || image.size(3) % 8 != 0 || image.size(2) == 0 || image.size(3) == 0) {
    throw Error(ErrorKind::usage, std::string(what) + " must be a positive multiple of 8 in width and height, got " +
                                      std::to_string(image.size(3)) + "x" + std::to_string(image.size(2)));
  }
}

// What each mode needs from the model and the caller, checked before any work.
void check_inputs(const StableDiffusionModel& model, const PipelineInput& input) {
  if (input.mode == PipelineMode::instruct && model.sdxl)
    throw Error(ErrorKind::usage, "instruction edits (InstructPix2Pix) run on SD1/SD2 models only, not SDXL");
  const std::int64_t channels = model.unet.in_channels();
  const bool inpainting_unet = channels == 9;
  const bool instruct_unet = channels == 8;
  if (input.mode == PipelineMode::instruct  ? !instruct_unet
      : input.mode == PipelineMode::inpaint ? !(inpainting_unet || channels == 4)
                                            : channels != 4) {
    const std::string kind = inpainting_unet ? "a 9-channel inpainting UNet (use it for inpainting)"
                             : instruct_unet ? "an 8-channel InstructPix2Pix UNet (use it for instruction edits)"
                                             : "a " + std::to_string(channels) + "-channel UNet";
    throw Error(ErrorKind::usage,
                std::string("this model has ") + kind + ", which cannot do " + mode_name(input.mode) +
                    (input.mode == PipelineMode::instruct ? " (they need an InstructPix2Pix model)" : ""));
  }
  if (input.count < 1 || input.count > max_images_per_prompt) {
    throw Error(ErrorKind::usage, "image count " + std::to_string(input.count) + " is outside 1.." +
                                      std::to_string(max_images_per_prompt));
  }
  if (!(input.guidance >= 0 && input.guidance <= 50))
    throw Error(ErrorKind::usage, "guidance scale must be within 0..50");
  if (input.mode == PipelineMode::text_to_image) {
    if (input.width <= 0 || input.height <= 0 || input.width % 8 != 0 || input.height % 8 != 0) {
      throw Error(ErrorKind::usage, "size " + std::to_string(input.width) + "x" + std::to_string(input.height) +
                                        " must be positive multiples of 8");
    }
    return;
  }
  check_image(input.image, 3, "the input image");
  if (input.mode == PipelineMode::inpaint) {
    check_image(input.mask, 1, "the inpainting mask");
    if (input.mask.sizes().slice(2) != input.image.sizes().slice(2))
      throw Error(ErrorKind::usage, "the inpainting mask must have the image's size");
  }
  if ((input.mode == PipelineMode::image_to_image || input.mode == PipelineMode::inpaint) &&
      !(input.strength > 0 && input.strength <= 1)) {
    throw Error(ErrorKind::usage, "strength must be within (0, 1]");
  }
  if (input.mode == PipelineMode::instruct && !(input.image_guidance >= 0 && input.image_guidance <= 50)) {
    throw Error(ErrorKind::usage, "image guidance scale must be within 0..50");
  }
}

at::Tensor id_tensor(const std::vector<std::int64_t>& window) {
  return at::tensor(at::ArrayRef<std::int64_t>(window), at::kLong).unsqueeze(0);
}

// The encoder states of `windows` 77-id windows of the prompt; prompts shorter than that are padded
// with windows of the empty prompt, so a negative prompt matches a long positive one (as A1111 does).
at::Tensor encode_text(const StableDiffusionModel& model, const std::string& text, std::size_t windows, int clip_skip) {
  auto ids = model.tokenizer.windows(text, model.pad_id);
  while (ids.size() < windows) ids.push_back(model.tokenizer.window("", model.pad_id));
  std::vector<at::Tensor> states;
  for (const auto& window : ids) states.push_back(model.text_encoder->encode(id_tensor(window), clip_skip));
  return at::cat(states, 1);
}

// SDXL's embedding of `windows` windows the same way: the states of each window concatenated, the
// pooled embedding the first window's (as ComfyUI and A1111 do; the reference truncates to one window,
// which gives the same result for prompts of up to 75 tokens).
SdxlTextEmbedding encode_sdxl_text(const StableDiffusionModel& model, const std::string& text, std::size_t windows) {
  auto clip_l_ids = model.tokenizer.windows(text, ClipTokenizer::sd1_pad_id);
  auto big_g_ids = model.tokenizer.windows(text, ClipTokenizer::sd2_pad_id);
  while (clip_l_ids.size() < windows) {
    clip_l_ids.push_back(model.tokenizer.window("", ClipTokenizer::sd1_pad_id));
    big_g_ids.push_back(model.tokenizer.window("", ClipTokenizer::sd2_pad_id));
  }
  std::vector<at::Tensor> states;
  at::Tensor pooled;
  for (std::size_t i = 0; i < clip_l_ids.size(); ++i) {
    SdxlTextEmbedding window = model.sdxl->encoders.encode_ids(id_tensor(clip_l_ids[i]), id_tensor(big_g_ids[i]));
    states.push_back(window.states);
    if (i == 0) pooled = window.pooled;
  }
  return {at::cat(states, 1), pooled};
}

std::size_t window_count(const StableDiffusionModel& model, const std::string& text) {
  return model.tokenizer.windows(text, model.pad_id).size();
}

std::size_t windows_for(const StableDiffusionModel& model, const PipelineInput& input, bool guided) {
  return guided ? std::max(window_count(model, input.prompt), window_count(model, input.negative_prompt))
                : window_count(model, input.prompt);
}

// What the UNet is conditioned on, one row per UNet batch row: the text states and, for SDXL, the
// pooled text and the time ids.
struct Conditioning {
  at::Tensor embeds;
  AddedConditioning added;
};

// The UNet's text batch: CFG [negative, positive], instruction edits [text, unconditional, unconditional]
// (the image-only row conditions on the empty prompt), each row repeated per image.
at::Tensor encode_prompt_batch(const StableDiffusionModel& model, const PipelineInput& input, bool guided) {
  const std::size_t windows = windows_for(model, input, guided);
  const at::Tensor positive = encode_text(model, input.prompt, windows, input.clip_skip).repeat({input.count, 1, 1});
  if (!guided) return positive;
  const at::Tensor negative =
      encode_text(model, input.negative_prompt, windows, input.clip_skip).repeat({input.count, 1, 1});
  return input.mode == PipelineMode::instruct ? at::cat({positive, negative, negative}) : at::cat({negative, positive});
}

// SDXL's time ids for the positive (or the CFG's negative) row of an image of `size` (height, width).
at::Tensor sdxl_time_ids_for(const StableDiffusionModel& model, const PipelineInput& input,
                             const std::array<std::int64_t, 2>& size, bool negative) {
  const auto original = input.original_size.value_or(size);
  const auto& crop = input.crop_top_left;
  if (model.sdxl->aesthetic_time_ids) {
    return sdxl_aesthetic_time_ids(original[0], original[1], crop[0], crop[1],
                                   negative ? input.negative_aesthetic_score : input.aesthetic_score);
  }
  const auto target = input.target_size.value_or(size);
  return sdxl_time_ids(original[0], original[1], crop[0], crop[1], target[0], target[1]);
}

// SDXL's batch, CFG [negative, positive] for the states, pooled text and time ids alike, each row
// repeated per image. Without a negative prompt the base's negative is zeros
// (SdxlConditioning::zeros_for_empty_negative), the refiner's the encoded "".
Conditioning sdxl_conditioning_batch(const StableDiffusionModel& model, const PipelineInput& input, bool guided,
                                     const std::array<std::int64_t, 2>& size) {
  const std::size_t windows = windows_for(model, input, guided);
  const SdxlTextEmbedding positive = encode_sdxl_text(model, input.prompt, windows);
  const auto rows = [&](const at::Tensor& tensor) {
    std::vector<std::int64_t> repeats(static_cast<std::size_t>(tensor.dim()), 1);
    repeats[0] = input.count;
    return tensor.repeat(repeats);
  };
  const at::Tensor positive_ids = sdxl_time_ids_for(model, input, size, false);
  if (!guided) return {rows(positive.states), {rows(positive.pooled), rows(positive_ids)}};
  const SdxlTextEmbedding negative =
      input.negative_prompt.empty() && model.sdxl->zeros_for_empty_negative
          ? SdxlTextEmbedding{at::zeros_like(positive.states), at::zeros_like(positive.pooled)}
          : encode_sdxl_text(model, input.negative_prompt, windows);
  const at::Tensor negative_ids = sdxl_time_ids_for(model, input, size, true);
  return {at::cat({rows(negative.states), rows(positive.states)}),
          {at::cat({rows(negative.pooled), rows(positive.pooled)}), at::cat({rows(negative_ids), rows(positive_ids)})}};
}

Conditioning encode_conditioning(const StableDiffusionModel& model, const PipelineInput& input, bool guided,
                                 const std::array<std::int64_t, 2>& size) {
  if (model.sdxl) return sdxl_conditioning_batch(model, input, guided, size);
  return {encode_prompt_batch(model, input, guided), {}};
}

// Image-to-image and inpainting run the last `strength` of the schedule: the first steps are skipped.
std::size_t first_step_for(const PipelineInput& input) {
  if (input.mode != PipelineMode::image_to_image && input.mode != PipelineMode::inpaint) return 0;
  const int kept = std::min(static_cast<int>(input.steps * input.strength), input.steps);
  if (kept < 1) {
    throw Error(ErrorKind::usage, "strength " + std::to_string(input.strength) + " with " +
                                      std::to_string(input.steps) +
                                      " steps leaves no step to run (raise the strength or the step count)");
  }
  return static_cast<std::size_t>(input.steps - kept);
}

// The VAE's sample of an image, scaled for the UNet (one draw from `noise`).
at::Tensor sample_latents(const StableDiffusionModel& model, const at::Tensor& image, const NoiseSource& noise) {
  const LatentDistribution distribution = model.vae.encode(image);
  return distribution.sample(noise(distribution.mean.sizes(), true)) * model.vae.scaling_factor();
}

// The generated image's (height, width): the request's for text-to-image, else the input image's.
std::array<std::int64_t, 2> output_size(const PipelineInput& input) {
  if (input.mode == PipelineMode::text_to_image) return {input.height, input.width};
  return {input.image.size(2), input.image.size(3)};
}

// The latents denoising starts from, and what inpainting and instruction models add to each step.
struct StartingLatents {
  at::Tensor latents;
  at::Tensor initial_noise;    // inpainting: the noise the known latents are noised with again at each step
  at::Tensor image_latents;    // inpainting with an ordinary UNet: the clean latents blended back outside the mask
  at::Tensor latent_mask;      // inpainting: the mask at latent size
  at::Tensor extra_channels;   // inpaint UNet: [mask, masked-image latents]; instruct: image latents
  bool blend_latents = false;  // inpainting with an ordinary (4-channel) UNet
};

// Draws from `noise` in the reference's order: the images' latents, then the masked image's.
StartingLatents starting_latents(const StableDiffusionModel& model, const PipelineInput& input,
                                 const NoiseSource& noise, const Scheduler& scheduler, std::size_t first_step,
                                 std::int64_t copies, bool guided) {
  const std::int64_t n = input.count;
  const auto [height, width] = output_size(input);
  const std::vector<std::int64_t> latent_shape = {n, 4, height / 8, width / 8};
  StartingLatents start;
  start.blend_latents = input.mode == PipelineMode::inpaint && model.unet.in_channels() == 4;
  switch (input.mode) {
    case PipelineMode::text_to_image:
    case PipelineMode::instruct:
      start.latents = noise(latent_shape, true) * scheduler.init_noise_sigma();
      break;
    case PipelineMode::image_to_image:
      start.image_latents = sample_latents(model, input.image, noise).repeat({n, 1, 1, 1});
      start.latents = scheduler.add_noise(start.image_latents, noise(latent_shape, true), first_step);
      break;
    case PipelineMode::inpaint: {
      const bool full_strength = first_step == 0;
      if (start.blend_latents || !full_strength)
        start.image_latents = sample_latents(model, input.image, noise).repeat({n, 1, 1, 1});
      start.initial_noise = noise(latent_shape, true);
      start.latents = full_strength ? start.initial_noise * scheduler.init_noise_sigma()
                                    : scheduler.add_noise(start.image_latents, start.initial_noise, first_step);
      const at::Tensor mask = (input.mask >= 0.5).to(at::kFloat);
      start.latent_mask = at::upsample_nearest2d(mask, {height / 8, width / 8}).repeat({n, 1, 1, 1});
      // The reference encodes the masked image for every inpainting model (one draw), used or not.
      const at::Tensor masked_latents = sample_latents(model, input.image * (mask < 0.5), noise).repeat({n, 1, 1, 1});
      if (!start.blend_latents)
        start.extra_channels = at::cat({start.latent_mask, masked_latents}, 1).repeat({copies, 1, 1, 1});
      break;
    }
  }
  if (input.mode == PipelineMode::instruct) {
    const at::Tensor conditioning = model.vae.encode(input.image).mode().repeat({n, 1, 1, 1});
    start.extra_channels = guided ? at::cat({conditioning, conditioning, at::zeros_like(conditioning)}) : conditioning;
  }
  return start;
}

// The UNet's prediction for step `i` of `latents`, guided: classifier-free guidance, and for instruction
// models image guidance too.
at::Tensor guided_prediction(const StableDiffusionModel& model, const PipelineInput& input, const Scheduler& scheduler,
                             std::size_t i, const at::Tensor& latents, const Conditioning& conditioning,
                             const at::Tensor& extra_channels, bool guided) {
  const at::Tensor timestep = scheduler.timesteps()[static_cast<std::int64_t>(i)];
  const at::Tensor model_input = latents.repeat({conditioning.embeds.size(0) / input.count, 1, 1, 1});
  at::Tensor unet_input = scheduler.scale_model_input(model_input, i);
  if (extra_channels.defined()) unet_input = at::cat({unet_input, extra_channels}, 1);
  at::Tensor prediction = model.unet.forward(unet_input, timestep, conditioning.embeds, conditioning.added);
  if (input.mode == PipelineMode::instruct) {
    // With sigma schedulers the reference guides on x0 = x − σ·ε and converts back.
    const bool sigma_space = scheduler.sigmas().defined();
    const at::Tensor sigma = sigma_space ? scheduler.sigmas()[static_cast<std::int64_t>(i)] : at::Tensor();
    if (sigma_space) prediction = model_input - sigma * prediction;
    if (guided) {
      const auto parts = prediction.chunk(3);
      prediction = parts[2] + input.guidance * (parts[0] - parts[1]) + input.image_guidance * (parts[1] - parts[2]);
    }
    if (sigma_space) prediction = (prediction - latents) / (-sigma);
  } else if (guided) {
    const auto parts = prediction.chunk(2);
    prediction = parts[0] + input.guidance * (parts[1] - parts[0]);
  }
  return prediction;
}

// Runs the schedule from `first_step` on, reporting each step and the previews; the final latents.
at::Tensor denoise(const StableDiffusionModel& model, const PipelineInput& input, const NoiseSource& noise,
                   const PipelineCallbacks& callbacks, Scheduler& scheduler, std::size_t first_step,
                   const Conditioning& conditioning, const StartingLatents& start, bool guided) {
  const auto step_count = static_cast<std::size_t>(scheduler.timesteps().size(0));
  const int run_steps = static_cast<int>(step_count - first_step);
  const std::vector<int> previews =
      callbacks.on_preview ? preview_steps(run_steps, callbacks.previews) : std::vector<int>{};
  if (callbacks.on_step) callbacks.on_step(0, run_steps);
  at::Tensor latents = start.latents;
  for (std::size_t i = first_step; i < step_count; ++i) {
    if (callbacks.cancelled && callbacks.cancelled()) throw PipelineCancelled();
    const at::Tensor prediction =
        guided_prediction(model, input, scheduler, i, latents, conditioning, start.extra_channels, guided);
    const Scheduler::StepResult stepped = scheduler.step(prediction, i, latents, noise);
    latents = stepped.prev_sample;
    if (start.blend_latents) {
      // Outside the mask the latents follow the input image, noised to the next step's level.
      const at::Tensor known = i + 1 < step_count ? scheduler.add_noise(start.image_latents, start.initial_noise, i + 1)
                                                  : start.image_latents;
      latents = (1 - start.latent_mask) * known + start.latent_mask * latents;
    }
    const int done = static_cast<int>(i - first_step + 1);
    if (std::binary_search(previews.begin(), previews.end(), done)) {
      const at::Tensor& predicted = stepped.pred_original_sample;
      callbacks.on_preview(start.blend_latents
                               ? (1 - start.latent_mask) * start.image_latents + start.latent_mask * predicted
                               : predicted,
                           done);
    }
    if (callbacks.on_step) callbacks.on_step(done, run_steps);
  }
  return latents;
}

// The images of `latents`, decoded one at a time (the VAE decoder's activations dominate peak memory).
at::Tensor decode_latents(const StableDiffusionModel& model, const at::Tensor& latents) {
  const double scale = model.vae.scaling_factor();
  release_freed_memory();
  std::vector<at::Tensor> decoded;
  for (std::int64_t k = 0; k < latents.size(0); ++k)
    decoded.push_back(model.vae.decode(latents.slice(0, k, k + 1) / scale));
  release_freed_memory();  // the decoder's activations, kept by glibc otherwise (initialize_runtime)
  return at::cat(decoded);
}

}  // namespace

std::vector<int> preview_steps(int steps, int previews) {
  std::vector<int> done;
  if (previews <= 0) return done;
  // Step s follows a preview boundary k·steps / (previews + 1) when ⌊s·(previews + 1) / steps⌋ grows.
  const std::int64_t parts = std::int64_t{previews} + 1;
  for (int step = 1; step < steps; ++step) {
    if (step * parts / steps > (step - 1) * parts / steps) done.push_back(step);
  }
  return done;
}

PipelineOutput run_pipeline(const StableDiffusionModel& model, const PipelineInput& input, const NoiseSource& noise,
                            const PipelineCallbacks& callbacks) {
  // 1. Check inputs.
  check_inputs(model, input);
  const bool instruct = input.mode == PipelineMode::instruct;
  const bool guided = input.guidance > 1.0 && (!instruct || input.image_guidance >= 1.0);

  // 2. Encode the prompt (and for SDXL the micro-conditioning).
  const Conditioning conditioning = encode_conditioning(model, input, guided, output_size(input));

  // 3. Timesteps.
  Scheduler scheduler(input.sampler, model.scheduler);
  scheduler.set_timesteps(input.steps);
  const std::size_t first_step = first_step_for(input);

  // 4. Latents, and the extra UNet channels of inpainting and instruction models.
  const StartingLatents start =
      starting_latents(model, input, noise, scheduler, first_step, conditioning.embeds.size(0) / input.count, guided);

  // 5. Denoising loop.
  const at::Tensor latents =
      denoise(model, input, noise, callbacks, scheduler, first_step, conditioning, start, guided);

  // 6. Decode, one image at a time.
  const at::Tensor images = decode_latents(model, latents);
  return {conditioning.embeds, conditioning.added,
          scheduler.timesteps().slice(0, static_cast<std::int64_t>(first_step)).to(at::kFloat), latents, images};
}

}  // namespace easel::diffusion
