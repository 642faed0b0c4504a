#include "conv_floor.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace easel::diffusion::bench {

double conv_rate() {
  using Clock = std::chrono::steady_clock;
  const at::Tensor input = at::randn({1, 320, 64, 64});
  const at::Tensor weight = at::randn({320, 320, 3, 3}) * 0.02;
  const double flops = 2.0 * 320 * 320 * 9 * 64 * 64;
  double best = 1e30;
  for (int i = 0; i < 6; ++i) {
    const auto start = Clock::now();
    const at::Tensor output = at::conv2d(input, weight, {}, 1, 1);
    if (i > 0) best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return flops / best;
}

}  // namespace easel::diffusion::bench
