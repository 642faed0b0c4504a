#pragma once
// Full-size Stable Diffusion architectures with random weights for benchmarks, built in memory or
// written as a diffusers folder, together with the floating-point operation count of one evaluation.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/unet.hpp"
#include "easel/diffusion/vae.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion::bench {

enum class Family { sd15, sd21 };

struct RandomModel {
  Weights weights{"random weights"};
  double flops = 0;  // per sample (UNet: 64×64 latent; VAE decode: 512×512 image; text: one 77-token window)
};

RandomModel random_unet(Family family, std::int64_t latent_size = 64);
UNetConfig unet_config(Family family);
RandomModel random_vae_decoder(std::int64_t latent_size = 64);
RandomModel random_text_encoder(Family family);
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

}  // namespace easel::diffusion::bench
