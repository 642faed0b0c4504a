#include "easel/diffusion/tensor_file.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"

namespace easel::diffusion {

namespace {

at::Tensor copy_tensor(const SafetensorsFile& file, const TensorInfo& info, const std::string& name) {
  if (info.dtype == DType::i64) {
    const auto values = file.int64s(name);
    at::Tensor tensor = at::empty(info.shape, at::kLong);
    if (!values.empty())
      std::memcpy(tensor.data_ptr<std::int64_t>(), values.data(), values.size() * sizeof(std::int64_t));
    return tensor;
  }
  if (info.dtype == DType::f16 || info.dtype == DType::bf16) {
    // Copied as stored, then widened by ATen's vectorised, multi-threaded conversion: exact, like the
    // parser's scalar floats(), which would also build a float vector to copy again (loading an fp16
    // SD2.1 folder spent 5 % of its time converting one value at a time).
    at::Tensor stored = at::empty(info.shape, info.dtype == DType::f16 ? at::kHalf : at::kBFloat16);
    const auto bytes = file.bytes(info);
    if (!bytes.empty()) std::memcpy(stored.data_ptr(), bytes.data(), bytes.size());
    return stored.to(at::kFloat);
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

}  // namespace

at::Tensor read_tensor(const SafetensorsFile& file, const std::string& name) {
  const TensorInfo& info = file.info(name);
  at::Tensor tensor = copy_tensor(file, info, name);
  file.release(info);
  return tensor;
}

void write_safetensors(const std::filesystem::path& path, const std::map<std::string, at::Tensor>& tensors,
                       at::ScalarType dtype) {
  const char* dtype_name = dtype == at::kFloat      ? "F32"
                           : dtype == at::kHalf     ? "F16"
                           : dtype == at::kBFloat16 ? "BF16"
                                                    : nullptr;
  if (dtype_name == nullptr)
    throw Error(ErrorKind::usage, "safetensors files are written as float32, float16 or bfloat16");
  nlohmann::json header = nlohmann::json::object();
  std::vector<at::Tensor> stored;
  std::size_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    stored.push_back(tensor.to(dtype).contiguous());
    const std::size_t bytes = static_cast<std::size_t>(stored.back().nbytes());
    header[name] = {{"dtype", dtype_name}, {"shape", tensor.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the format pads the header so that the data is 8-byte aligned
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xffu));
  out << text;
  for (const at::Tensor& tensor : stored)
    out.write(static_cast<const char*>(tensor.data_ptr()), static_cast<std::streamsize>(tensor.nbytes()));
  if (!out) throw Error(ErrorKind::output, "could not write " + path.string());
}

}  // namespace easel::diffusion
