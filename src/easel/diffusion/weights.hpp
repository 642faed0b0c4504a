#pragma once
// Named model parameters in the diffusers naming, whichever layout they were read from: a diffusers
// folder's files are read as they are, and the original single-file checkpoints (CompVis / Stability
// key names) are renamed to it, tensor by tensor, as diffusers' own converters do.
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "easel/model_files/safetensors.hpp"

namespace easel::diffusion {

class Weights {
 public:
  explicit Weights(std::string source) : source_(std::move(source)) {}

  void add(const std::string& name, at::Tensor tensor) { entries_[name] = {std::move(tensor), nullptr, {}}; }
  // A tensor of a mapped file (stored there as `key`), read as float32 each time it is asked for and
  // not kept: a network built from these holds the only copy of its weights, so loading a multi-GB
  // model needs about the model's size (plus one tensor), not twice it.
  void add_from_file(const std::string& name, std::shared_ptr<const SafetensorsFile> file, std::string key) {
    entries_[name] = {at::Tensor(), std::move(file), std::move(key)};
  }
  bool contains(const std::string& name) const { return entries_.contains(name); }
  // Throws easel::Error (input) naming the tensor and the file when it is absent.
  at::Tensor get(const std::string& name) const;
  // As get(), and also an input error naming the tensor when its shape is not `shape` (-1: any extent).
  at::Tensor get(const std::string& name, std::vector<std::int64_t> shape) const;
  const std::string& source() const { return source_; }
  std::vector<std::string> names() const;
  // Every weight converted to `dtype` (float32 for reference runs, bfloat16 for the fast path) and held
  // in memory.
  void convert(at::ScalarType dtype);
  // Floating-point weights handed out as `dtype` from now on, each converted when asked for (a weight
  // still in the file is read and converted one at a time, so nothing else is held meanwhile).
  void hand_out_as(at::ScalarType dtype) { dtype_ = dtype; }

 private:
  struct Entry {
    at::Tensor tensor;                            // in memory, or
    std::shared_ptr<const SafetensorsFile> file;  // read from here when asked for
    std::string key;
  };
  std::string source_;
  std::map<std::string, Entry> entries_;
  std::optional<at::ScalarType> dtype_;  // unset: as read (float32 from files) or as added
};

// A diffusers component file (model.safetensors / diffusion_pytorch_model.safetensors); a missing file
// is a capability error naming it.
Weights read_component(const std::filesystem::path& file);

// The three components of an original single-file checkpoint, renamed to the diffusers naming. The
// UNet's levels are found from where its downsamplers and upsamplers sit, so distilled UNets with fewer
// blocks (and no middle block) load whether their blocks keep SD's numbering, with gaps, or are
// numbered contiguously; a tensor that fits no level is an input error naming it.
Weights read_single_file_unet(const std::filesystem::path& file);
Weights read_single_file_vae(const std::filesystem::path& file);
// SD1 (`cond_stage_model.transformer.*`, every layer) or SD2 OpenCLIP (`cond_stage_model.model.*`,
// fused q/k/v, without its last layer: SD2 uses the penultimate layer's output).
Weights read_single_file_text_encoder(const std::filesystem::path& file);

}  // namespace easel::diffusion
