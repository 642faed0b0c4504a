#pragma once
// The LibTorch implementation of Easel's GenerationEngine (easel/ops/generation_engine.hpp). Torch-free
// header: the `easel` binary includes it to install the engine at startup.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "easel/diffusion/precision.hpp"
#include "easel/ops/generation_engine.hpp"

namespace easel::diffusion {

struct DiffusionEngineOptions {
  // A model name or path → the .safetensors file or diffusers folder to load. Unset: the string is
  // taken as a path.
  std::function<std::filesystem::path(const std::string&)> resolve_model;
  // Where tokenizer files are looked for when the model has none beside it.
  std::filesystem::path tokenizer_dir;
  // What decodes preview images (GenerationRequest::previews): `automatic` takes TAESD when its weights
  // are found and the model's own VAE otherwise; `taesd` requires TAESD (TAESD-XL for SDXL models: a
  // capability error naming the file and `easel models pull madebyollin/taesd` (taesdxl) when absent);
  // `vae` always takes the model's VAE.
  enum class PreviewDecoder { automatic, taesd, vae };
  PreviewDecoder preview_decoder = PreviewDecoder::automatic;
  // The folders searched for TAESD (taesd_decoder.safetensors or diffusion_pytorch_model.safetensors),
  // in order; the doors pass taesd_folders_in(their models directory). Empty: TAESD is never found.
  std::vector<std::filesystem::path> taesd_folders = {};
  // The same for TAESD-XL, which previews SDXL models (taesdxl_folders_in).
  std::vector<std::filesystem::path> taesdxl_folders = {};
  // What the networks compute in (precision.hpp). bf16 on a CPU without bfloat16 instructions fails
  // each generation with Error(capability) saying so.
  Precision precision = Precision::fp32;
  // LibTorch's intra-op threads while generating; 0: every hardware thread.
  int threads = 0;
};

// Where TAESD is installed in a models directory: madebyollin/taesd (where `easel models pull
// madebyollin/taesd` puts it), then taesd. None for an empty `models_dir` (there is no models directory).
std::vector<std::filesystem::path> taesd_folders_in(const std::filesystem::path& models_dir);
// Where TAESD-XL is: madebyollin/taesdxl (`easel models pull madebyollin/taesdxl`), then taesdxl.
std::vector<std::filesystem::path> taesdxl_folders_in(const std::filesystem::path& models_dir);

// Keeps the last model loaded (at the engine's precision), so several generative steps of one process
// load it once.
std::shared_ptr<GenerationEngine> make_diffusion_engine(DiffusionEngineOptions options = {});

}  // namespace easel::diffusion
