#pragma once
// Shared helpers of the golden tests: reference paths, golden tensors, and agreement measures.
#include <ATen/ATen.h>

#include <filesystem>
#include <string>

#include "easel/diffusion/safetensors.hpp"

namespace easel::diffusion::test {

std::filesystem::path sd_reference();
std::filesystem::path goldens();
std::filesystem::path models();

struct Agreement {
  double max_abs = 0;
  double rel_l2 = 0;
};
Agreement agreement(const at::Tensor& actual, const at::Tensor& expected);

// Asserts rel-L2 and max-abs within the README's tolerance for the quantity, and prints the
// measured agreement so that test logs document it.
void expect_close(const at::Tensor& actual, const at::Tensor& expected, double rel_l2, double max_abs, const std::string& what);

at::Tensor golden(const SafetensorsFile& file, const std::string& name);

}  // namespace easel::diffusion::test
