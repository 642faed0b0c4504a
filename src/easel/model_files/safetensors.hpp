#pragma once
// Reader for the .safetensors weight format: an 8-byte little-endian header length, a JSON header
// naming every tensor's dtype, shape and byte range, then the raw data. The file is memory-mapped and
// the header is treated as untrusted input: every range is checked against the file before use.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace easel::diffusion {

enum class DType { f32, f16, bf16, f64, i64, i32, u8 };

const char* dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);

struct TensorInfo {
  DType dtype;
  std::vector<std::int64_t> shape;
  std::size_t begin = 0;  // byte offset from the start of the data section
  std::size_t end = 0;
  std::int64_t numel() const;
};

// What a header says: every tensor's dtype, shape and byte range (checked to lie inside a data section
// of the given size, to match its shape and dtype, and to share no byte with another tensor's range),
// and the string metadata.
struct SafetensorsHeader {
  std::map<std::string, TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
};

// Parses the JSON header of a file whose data section holds `data_size` bytes; throws easel::Error
// (input) naming `name` on any inconsistency. SafetensorsFile uses it; so does the model-config fuzz
// target, which has headers without their data.
SafetensorsHeader parse_safetensors_header(std::string_view json, std::size_t data_size, const std::string& name);

class SafetensorsFile {
 public:
  // Maps the file and validates its whole header; throws easel::Error (input) on any inconsistency.
  explicit SafetensorsFile(const std::filesystem::path& path);
  // Parses an in-memory image of a file (the fuzz target and the mapped constructor share this).
  static SafetensorsFile from_bytes(std::span<const std::byte> bytes, std::string name);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) = delete;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return tensors_.contains(name); }
  // Throws easel::Error (input) naming the tensor and the file when it is absent.
  const TensorInfo& info(const std::string& name) const;
  std::span<const std::byte> bytes(const TensorInfo& tensor) const;
  // The tensor converted to float32 (from f32, f16, bf16 or f64); other dtypes are an input error.
  std::vector<float> floats(const std::string& name) const;
  std::vector<std::int64_t> int64s(const std::string& name) const;
  // Gives the mapped pages of a tensor already copied out back to the kernel, so that reading a
  // multi-GB file does not hold it all resident on top of the copies (they are read again from the
  // file if touched later). No effect on an in-memory image.
  void release(const TensorInfo& tensor) const;

 private:
  SafetensorsFile() = default;
  void parse();

  std::filesystem::path path_;
  void* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  std::span<const std::byte> file_;
  std::span<const std::byte> data_;
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// IEEE half and bfloat16 to float, exactly.
float half_to_float(std::uint16_t bits);
float bfloat16_to_float(std::uint16_t bits);

}  // namespace easel::diffusion
