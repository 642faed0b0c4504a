// Feeds arbitrary bytes to the safetensors header parser: it must either accept the file with every
// tensor inside the data section, or throw easel::Error — never read out of bounds. The tensor names
// then go through the LoRA name parser (lora_keys.hpp), which takes them from downloaded files too.
#include <cstddef>
#include <cstdint>

#include "easel/core/error.hpp"
#include "easel/model_files/lora_keys.hpp"
#include "easel/model_files/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto file =
        easel::diffusion::SafetensorsFile::from_bytes({reinterpret_cast<const std::byte*>(data), size}, "fuzz-input");
    for (const auto& [name, tensor] : file.tensors()) {
      if (tensor.dtype == easel::diffusion::DType::f32 || tensor.dtype == easel::diffusion::DType::f16 ||
          tensor.dtype == easel::diffusion::DType::bf16) {
        (void)file.floats(name);
      }
    }
    for (const auto& [name, tensor] : file.tensors()) {
      if (const auto key = easel::diffusion::parse_lora_key(name)) (void)easel::diffusion::kohya_spelling(key->module);
    }
  } catch (const easel::Error&) {
  }
  return 0;
}
