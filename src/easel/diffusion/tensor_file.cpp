#include "easel/diffusion/tensor_file.hpp"

#include <cstring>

namespace easel::diffusion {

at::Tensor read_tensor(const SafetensorsFile& file, const std::string& name) {
  const TensorInfo& info = file.info(name);
  if (info.dtype == DType::i64) {
    const auto values = file.int64s(name);
    at::Tensor tensor = at::empty(info.shape, at::kLong);
    if (!values.empty()) std::memcpy(tensor.data_ptr<std::int64_t>(), values.data(), values.size() * sizeof(std::int64_t));
    return tensor;
  }
  at::Tensor tensor = at::empty(info.shape, at::kFloat);
  if (info.dtype == DType::f32) {
    // The common case: one copy straight from the mapping (the data need not be 4-byte aligned).
    const auto bytes = file.bytes(info);
    if (!bytes.empty()) std::memcpy(tensor.data_ptr<float>(), bytes.data(), bytes.size());
    return tensor;
  }
  const auto values = file.floats(name);
  if (!values.empty()) std::memcpy(tensor.data_ptr<float>(), values.data(), values.size() * sizeof(float));
  return tensor;
}

}  // namespace easel::diffusion
