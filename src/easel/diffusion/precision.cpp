#include "easel/diffusion/precision.hpp"

#include <ATen/ATen.h>

namespace easel::diffusion {

bool bf16_supported() {
  // GCC's CPUID-backed feature test; LibTorch 1.13's own check (mkldnn_bf16_device_check) accepts any
  // AVX-512 CPU, without the bfloat16 instructions.
  static const bool supported =
      at::hasMKLDNN() && (__builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16"));
  return supported;
}

void check_precision_supported(Precision precision) {
  if (precision != Precision::bf16 || bf16_supported()) return;
  throw Error(ErrorKind::capability,
              at::hasMKLDNN() ? "bf16 precision needs a CPU with bfloat16 instructions (avx512_bf16 or amx_bf16), "
                                "which this one lacks: use fp32"
                              : "bf16 precision needs LibTorch built with oneDNN, which this one is not: use fp32");
}

}  // namespace easel::diffusion
