#pragma once
// The number format the diffusion networks compute in, chosen by the user (EASEL_PRECISION, or
// `easel generate --precision`). Torch-free and header-only for the parsing, so the CLI can check the
// choice in builds without LibTorch too.
//
// fp32 (default): everything in float32; a seed reproduces diffusers' CPU images and the reference
//   goldens exactly.
// bf16: the UNet, the text encoder and the VAE hold their weights and compute in bfloat16 through
//   oneDNN's avx512_bf16 / AMX kernels (UNet steps about 3× faster on such a CPU, half the memory);
//   the scheduler and the latents stay float32. Images drift slightly from fp32 (rel-L2 about 0.02
//   per UNet evaluation on full-size random networks), so a seed no longer reproduces diffusers'
//   fp32 image exactly. Needs a CPU with bfloat16 instructions: see bf16_supported().
#include <string>

#include "easel/core/error.hpp"

namespace easel::diffusion {

enum class Precision { fp32, bf16 };

inline const char* precision_name(Precision precision) { return precision == Precision::bf16 ? "bf16" : "fp32"; }

// "fp32" or "bf16"; anything else is an Error(usage) naming `what` (the variable or option it came from).
inline Precision parse_precision(const std::string& text, const std::string& what) {
  if (text == "fp32") return Precision::fp32;
  if (text == "bf16") return Precision::bf16;
  throw Error(ErrorKind::usage, what + " '" + text +
                                    "' is not a compute precision: use fp32 (exact, the default) or bf16 (faster on "
                                    "CPUs with avx512_bf16 or amx_bf16)");
}

// Whether this machine runs bfloat16 networks natively: LibTorch built with oneDNN, and a CPU with
// avx512_bf16 or amx_bf16 (without them oneDNN would have to emulate bfloat16 arithmetic).
bool bf16_supported();

// Throws Error(capability) saying what is missing when `precision` is bf16 and !bf16_supported().
void check_precision_supported(Precision precision);

}  // namespace easel::diffusion
