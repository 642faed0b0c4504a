#pragma once
// Safetensors tensors as LibTorch tensors.
#include <ATen/ATen.h>

#include <string>

#include "easel/diffusion/safetensors.hpp"

namespace easel::diffusion {

// Floating-point tensors become float32, I64 stays int64; the data is copied out of the mapping.
at::Tensor read_tensor(const SafetensorsFile& file, const std::string& name);

}  // namespace easel::diffusion
