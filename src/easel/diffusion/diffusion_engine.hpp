#pragma once
// The LibTorch implementation of Easel's GenerationEngine (easel/ops/generation.hpp). Torch-free
// header: the `easel` binary includes it to install the engine at startup.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "easel/ops/generation.hpp"

namespace easel::diffusion {

struct DiffusionEngineOptions {
  // A model name or path → the .safetensors file or diffusers folder to load. Unset: the string is
  // taken as a path.
  std::function<std::filesystem::path(const std::string&)> resolve_model;
  // Where tokenizer files are looked for when the model has none beside it.
  std::filesystem::path tokenizer_dir;
};

// Keeps the last model loaded, so several generative steps of one process load it once.
std::shared_ptr<GenerationEngine> make_diffusion_engine(DiffusionEngineOptions options = {});

}  // namespace easel::diffusion
