#include "easel/model_files/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "easel/core/error.hpp"
#include "easel/model_files/config_json.hpp"

namespace easel::diffusion {
namespace {

// The reference implementation refuses headers above 100 MB; a real header is a few hundred KB.
constexpr std::uint64_t max_header_bytes = 100'000'000;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw Error(ErrorKind::input, "invalid safetensors file " + file + ": " + what);
}

DType parse_dtype(const std::string& text, const std::string& file, const std::string& tensor) {
  if (text == "F32") return DType::f32;
  if (text == "F16") return DType::f16;
  if (text == "BF16") return DType::bf16;
  if (text == "F64") return DType::f64;
  if (text == "I64") return DType::i64;
  if (text == "I32") return DType::i32;
  if (text == "U8") return DType::u8;
  fail(file, "tensor '" + tensor + "' has unsupported dtype '" + text + "'");
}

std::uint64_t read_u64_le(std::span<const std::byte> bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | std::to_integer<std::uint64_t>(bytes[static_cast<std::size_t>(i)]);
  return value;
}

template <typename T>
T load(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "F32";
    case DType::f16:
      return "F16";
    case DType::bf16:
      return "BF16";
    case DType::f64:
      return "F64";
    case DType::i64:
      return "I64";
    case DType::i32:
      return "I32";
    case DType::u8:
      return "U8";
  }
  return "?";
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f64:
    case DType::i64:
      return 8;
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::f16:
    case DType::bf16:
      return 2;
    case DType::u8:
      return 1;
  }
  return 1;
}

std::int64_t TensorInfo::numel() const {
  std::int64_t count = 1;
  for (std::int64_t extent : shape) count *= extent;
  return count;
}

float half_to_float(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  std::uint32_t exponent = (bits >> 10) & 0x1fu;
  std::uint32_t mantissa = bits & 0x3ffu;
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    // Subnormal half: renormalise into a normal float.
    exponent = 113;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    mantissa &= 0x3ffu;
    return std::bit_cast<float>(sign | (exponent << 23) | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float bfloat16_to_float(std::uint16_t bits) { return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16); }

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorKind::input, "cannot open weights file " + path.string());
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    ::close(fd);
    throw Error(ErrorKind::input, "cannot stat weights file " + path.string());
  }
  mapping_size_ = static_cast<std::size_t>(status.st_size);
  if (mapping_size_ > 0) {
    mapping_ = ::mmap(nullptr, mapping_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping_ == MAP_FAILED) {
      mapping_ = nullptr;
      ::close(fd);
      throw Error(ErrorKind::input, "cannot map weights file " + path.string());
    }
  }
  ::close(fd);
  file_ = {static_cast<const std::byte*>(mapping_), mapping_size_};
  parse();
}

SafetensorsFile SafetensorsFile::from_bytes(std::span<const std::byte> bytes, std::string name) {
  SafetensorsFile file;
  file.path_ = std::move(name);
  file.file_ = bytes;
  file.parse();
  return file;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept
    : path_(std::move(other.path_)),
      mapping_(std::exchange(other.mapping_, nullptr)),
      mapping_size_(std::exchange(other.mapping_size_, 0)),
      file_(other.file_),
      data_(other.data_),
      tensors_(std::move(other.tensors_)),
      metadata_(std::move(other.metadata_)) {}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_) ::munmap(mapping_, mapping_size_);
}

void SafetensorsFile::release(const TensorInfo& tensor) const {
  if (!mapping_ || tensor.end <= tensor.begin) return;
  // Whole pages around the range: the mapping is private and never written, so a page that other
  // tensors share is simply read from the file again when they are.
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const auto base = reinterpret_cast<std::uintptr_t>(mapping_);
  const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(data_.data() + tensor.begin) / page * page;
  const std::uintptr_t last = std::min(
      base + mapping_size_, (reinterpret_cast<std::uintptr_t>(data_.data() + tensor.end) + page - 1) / page * page);
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

namespace {

// One tensor's entry of the header: dtype, shape and byte range, checked against the data section.
TensorInfo parse_tensor(const nlohmann::json& value, const std::string& key, std::size_t data_size,
                        const std::string& name) {
  if (!value.is_object()) fail(name, "entry '" + key + "' is not an object");
  const auto dtype = value.find("dtype");
  const auto shape = value.find("shape");
  const auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string()) fail(name, "tensor '" + key + "' has no dtype");
  if (shape == value.end() || !shape->is_array()) fail(name, "tensor '" + key + "' has no shape");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2) {
    fail(name, "tensor '" + key + "' has no [begin, end] data_offsets");
  }
  TensorInfo tensor{parse_dtype(dtype->get<std::string>(), name, key), {}, 0, 0};
  // The element count never passes the data section's size, so no product of extents can overflow.
  std::uint64_t elements = 1;
  for (const auto& extent : *shape) {
    if (!extent.is_number_unsigned())
      fail(name, "tensor '" + key + "' has a shape entry that is not a non-negative integer");
    const std::uint64_t size = extent.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        (size != 0 && elements > data_size / size)) {
      fail(name, "tensor '" + key + "' has a shape larger than the file");
    }
    elements *= size;
    tensor.shape.push_back(static_cast<std::int64_t>(size));
  }
  for (const auto& offset : *offsets) {
    if (!offset.is_number_unsigned())
      fail(name, "tensor '" + key + "' has a data offset that is not a non-negative integer");
  }
  const auto begin = (*offsets)[0].get<std::uint64_t>();
  const auto end = (*offsets)[1].get<std::uint64_t>();
  if (begin > end || end > data_size) {
    fail(name, "tensor '" + key + "' data [" + std::to_string(begin) + ", " + std::to_string(end) +
                   ") points past the end of the " + std::to_string(data_size) + "-byte data section");
  }
  if (elements > data_size || end - begin != elements * dtype_size(tensor.dtype)) {
    fail(name, "tensor '" + key + "' occupies " + std::to_string(end - begin) + " bytes but its shape and dtype need " +
                   std::to_string(elements * dtype_size(tensor.dtype)));
  }
  tensor.begin = static_cast<std::size_t>(begin);
  tensor.end = static_cast<std::size_t>(end);
  return tensor;
}

// Every tensor owns its bytes: two entries sharing bytes (overlapping or aliased ranges) would let
// one tensor's data be read as another's, which the format does not allow (the reference reader
// requires the ranges to follow each other).
void check_disjoint(const std::map<std::string, TensorInfo>& tensors, const std::string& name) {
  std::vector<std::pair<const std::string*, const TensorInfo*>> ranges;
  for (const auto& [key, tensor] : tensors) {
    if (tensor.end > tensor.begin) ranges.emplace_back(&key, &tensor);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    const auto& [previous_key, previous] = ranges[i - 1];
    const auto& [key, tensor] = ranges[i];
    if (tensor->begin < previous->end) {
      fail(name, "tensors '" + *previous_key + "' [" + std::to_string(previous->begin) + ", " +
                     std::to_string(previous->end) + ") and '" + *key + "' [" + std::to_string(tensor->begin) + ", " +
                     std::to_string(tensor->end) + ") share bytes: each tensor's data_offsets must be its own");
    }
  }
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::string_view text, std::size_t data_size, const std::string& name) {
  const nlohmann::json header = parse_config_json(text, "invalid safetensors file " + name + ": header");
  if (!header.is_object()) fail(name, "header is not a JSON object");
  SafetensorsHeader parsed;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail(name, "__metadata__ is not an object");
      for (const auto& [meta_key, meta_value] : value.items()) {
        if (!meta_value.is_string()) fail(name, "metadata value '" + meta_key + "' is not a string");
        parsed.metadata[meta_key] = meta_value.get<std::string>();
      }
      continue;
    }
    parsed.tensors.emplace(key, parse_tensor(value, key, data_size, name));
  }
  check_disjoint(parsed.tensors, name);
  return parsed;
}

void SafetensorsFile::parse() {
  const std::string name = path_.string();
  if (file_.size() < 8)
    fail(name, "truncated: " + std::to_string(file_.size()) + " bytes, shorter than the 8-byte header length");
  const std::uint64_t header_size = read_u64_le(file_.first(8));
  if (header_size > max_header_bytes)
    fail(name, "header length " + std::to_string(header_size) + " exceeds the 100 MB limit");
  if (header_size > file_.size() - 8) {
    fail(name, "truncated: header of " + std::to_string(header_size) + " bytes but only " +
                   std::to_string(file_.size() - 8) + " bytes follow");
  }
  const auto header_bytes = file_.subspan(8, header_size);
  data_ = file_.subspan(8 + header_size);
  SafetensorsHeader header = parse_safetensors_header(
      {reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size()}, data_.size(), name);
  tensors_ = std::move(header.tensors);
  metadata_ = std::move(header.metadata);
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) {
    throw Error(ErrorKind::input, "tensor '" + name + "' is missing from " + path_.string());
  }
  return found->second;
}

std::span<const std::byte> SafetensorsFile::bytes(const TensorInfo& tensor) const {
  return data_.subspan(tensor.begin, tensor.end - tensor.begin);
}

std::vector<float> SafetensorsFile::floats(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  const auto raw = bytes(tensor);
  const auto count = static_cast<std::size_t>(tensor.numel());
  std::vector<float> values(count);
  const std::byte* at = raw.data();
  switch (tensor.dtype) {
    case DType::f32:
      if (count) std::memcpy(values.data(), at, count * sizeof(float));
      break;
    case DType::f16:
      for (std::size_t i = 0; i < count; ++i) values[i] = half_to_float(load<std::uint16_t>(at + 2 * i));
      break;
    case DType::bf16:
      for (std::size_t i = 0; i < count; ++i) values[i] = bfloat16_to_float(load<std::uint16_t>(at + 2 * i));
      break;
    case DType::f64:
      for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<float>(load<double>(at + 8 * i));
      break;
    default:
      throw Error(ErrorKind::input, "tensor '" + name + "' in " + path_.string() + " has dtype " +
                                        dtype_name(tensor.dtype) +
                                        ", expected a floating-point dtype (F32, F16, BF16)");
  }
  return values;
}

std::vector<std::int64_t> SafetensorsFile::int64s(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  if (tensor.dtype != DType::i64) {
    throw Error(ErrorKind::input, "tensor '" + name + "' in " + path_.string() + " has dtype " +
                                      dtype_name(tensor.dtype) + ", expected I64");
  }
  std::vector<std::int64_t> values(static_cast<std::size_t>(tensor.numel()));
  if (!values.empty()) std::memcpy(values.data(), bytes(tensor).data(), values.size() * sizeof(std::int64_t));
  return values;
}

}  // namespace easel::diffusion
