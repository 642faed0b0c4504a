#pragma once
// The text encoders of an SDXL single file (sd_xl_base_1.0 layout) in the diffusers naming:
// `conditioner.embedders.0.transformer.*` (CLIP-L, transformers naming already) and
// `conditioner.embedders.1.model.*` (OpenCLIP-bigG; `embedders.0.model.*` in a refiner file), with every
// layer kept, q/k/v unfused and `text_projection` (width, proj) as the Linear weight
// `text_projection.weight` (proj, width).
#include <filesystem>
#include <optional>

#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

struct SdxlSingleFileTextEncoders {
  std::optional<Weights> clip_l;  // absent in a refiner file
  std::optional<Weights> big_g;   // always set by the reader
};

// An input error naming the file when it holds no OpenCLIP encoder.
SdxlSingleFileTextEncoders read_single_file_sdxl_text_encoders(const std::filesystem::path& file);

}  // namespace easel::diffusion
