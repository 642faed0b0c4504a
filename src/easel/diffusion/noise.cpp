#include "easel/diffusion/noise.hpp"

#include <ATen/CPUGeneratorImpl.h>

namespace easel::diffusion {

SeededNoise::SeededNoise(std::uint64_t seed) : generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

at::Tensor SeededNoise::draw(at::IntArrayRef shape) {
  return at::randn(shape, generator_, at::TensorOptions().dtype(at::kFloat).device(at::kCPU));
}

NoiseSource SeededNoise::source() {
  return [this](at::IntArrayRef shape, bool) { return draw(shape); };
}

}  // namespace easel::diffusion
