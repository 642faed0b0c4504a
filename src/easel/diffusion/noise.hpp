#pragma once
// Seeded Gaussian noise that equals PyTorch's: torch.randn(shape, generator=torch.Generator("cpu")
// .manual_seed(seed)) — the same mt19937 stream and Box–Muller kernel — so that a seed reproduces the
// reference pipeline's image.
#include <ATen/ATen.h>

#include <cstdint>

#include "easel/diffusion/scheduler.hpp"

namespace easel::diffusion {

class SeededNoise {
 public:
  explicit SeededNoise(std::uint64_t seed);
  // The next float32 draw of `shape` from the generator.
  at::Tensor draw(at::IntArrayRef shape);
  // For scheduler steps: every draw the reference makes advances the generator, used or not.
  NoiseSource source();

 private:
  at::Generator generator_;
};

}  // namespace easel::diffusion
