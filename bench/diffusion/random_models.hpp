#pragma once
// Full-size Stable Diffusion architectures with random weights, built in memory for benchmarks
// (nothing is written to disk), together with the floating-point operation count of one evaluation.
#include <cstdint>
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

}  // namespace easel::diffusion::bench
