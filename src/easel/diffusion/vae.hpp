#pragma once
// The SD autoencoder (diffusers AutoencoderKL naming): images in [-1, 1] ↔ latents at 1/8 size.
// Latents handed to and taken from the UNet are scaled by `scaling_factor` (0.18215 for SD1/SD2).
#include <ATen/ATen.h>

#include <filesystem>
#include <memory>

#include "easel/model_files/model_config.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

// More levels than any real autoencoder's 4; each halves the image.
constexpr std::size_t max_vae_levels = 8;

struct LatentDistribution {
  at::Tensor mean;
  at::Tensor logvar;  // clamped to [-30, 20]
  at::Tensor std;
  at::Tensor mode() const { return mean; }
  // mean + std·noise (unscaled)
  at::Tensor sample(const at::Tensor& noise) const { return mean + std * noise; }
};

class Vae {
 public:
  Vae(const Weights& weights, VaeConfig config);
  ~Vae();
  Vae(Vae&&) noexcept;
  Vae& operator=(Vae&&) noexcept;

  // Both compute in the weights' type and return the input's.
  // image (B, 3, H, W) in [-1, 1], H and W multiples of 8 (for the 4-level SD autoencoder).
  LatentDistribution encode(const at::Tensor& image) const;
  // Unscaled latents → image (B, 3, 8h, 8w), not clamped.
  at::Tensor decode(const at::Tensor& latents) const;
  double scaling_factor() const;
  // Image pixels per latent along each side (8 for SD's autoencoder) and the latents' channels (4).
  std::int64_t scale_factor() const;
  std::int64_t latent_channels() const;

 private:
  struct Network;
  std::unique_ptr<Network> network_;
};

}  // namespace easel::diffusion
