#pragma once
// Full-size Stable Diffusion (SD1.5, SD2.1, SDXL) architectures with random weights for benchmarks, built in memory or
// written as a diffusers folder, together with the floating-point operation count of one evaluation.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/vae.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion::bench {

enum class Family { sd15, sd21, sdxl };

// How the random networks are built: float32 or float16 weights, or none at all (only their FLOPs).
enum class Weighting { fp32, fp16, flops_only };

struct RandomModel {
  Weights weights{"random weights"};
  double flops = 0;  // per sample (UNet: 64×64 latent; VAE decode: 512×512 image; text: one 77-token window)
};

RandomModel random_unet(Family family, std::int64_t latent_size = 64, Weighting weighting = Weighting::fp32);
UNetConfig unet_config(Family family);
RandomModel random_vae_decoder(std::int64_t latent_size = 64, Weighting weighting = Weighting::fp32);
// SD1.5's CLIP-L (also SDXL's `text_encoder`), SD2.1's OpenCLIP-H.
RandomModel random_text_encoder(Family family, Weighting weighting = Weighting::fp32);
// SDXL's OpenCLIP-bigG (`text_encoder_2`) with its text projection.
RandomModel random_sdxl_big_g(Weighting weighting = Weighting::fp32);
TextEncoderConfig text_encoder_config(Family family);

// FLOPs of one evaluation of each component at 512×512 (as RandomModel::flops).
struct ModelFlops {
  double text_encoder = 0;
  double unet = 0;
  double vae_decode = 0;
};

// Writes random full-size weights of `family` as a diffusers folder, every tensor stored in float16 as
// published checkpoints are, with the CLIP tokenizer files copied from `tokenizer`: SD2.1 shaped like
// stabilityai/sd-turbo (the SD2.1-base networks, trailing Euler), SD1.5 like its own release (leading
// spacing). One component is in memory at a time.
ModelFlops write_random_model_folder(const std::filesystem::path& folder, Family family,
                                     const std::filesystem::path& tokenizer);

// SDXL base 1.0's FLOPs at a latent of `latent_size`² (text: both encoders on one window).
ModelFlops sdxl_flops(std::int64_t latent_size);
// An SDXL-base-1.0-size diffusers folder of random float16 weights (7 GB), built in float16 one
// component at a time.
void write_random_sdxl_folder(const std::filesystem::path& folder, const std::filesystem::path& tokenizer);

}  // namespace easel::diffusion::bench
