#pragma once
// Safetensors tensors as LibTorch tensors.
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>

#include "easel/model_files/safetensors.hpp"

namespace easel::diffusion {

// Floating-point tensors become float32, I64 stays int64; the data is copied out of the mapping and
// the mapping's pages of it released (SafetensorsFile::release), so loading holds one copy, not two.
at::Tensor read_tensor(const SafetensorsFile& file, const std::string& name);

// Writes `tensors` as a .safetensors file with every floating-point tensor stored as `dtype` (float32,
// float16 or bfloat16), in name order. Tests and benchmarks use it to make model files of their own.
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       at::ScalarType dtype);

}  // namespace easel::diffusion
