#pragma once
// What an original single-file checkpoint's networks need beyond its tensors (GroupNorm groups,
// attention heads, activation, VAE scaling, the scheduler), from its tensors' names and shapes and its
// sidecar (model_sidecar.hpp). Torch-free: the model listing says from the same answer whether a file
// can be used, and the engine loads it with these settings.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "easel/model_files/model_config.hpp"
#include "easel/model_files/model_sidecar.hpp"
#include "easel/model_files/safetensors.hpp"

namespace easel::diffusion {

// The width of a head in real SD text encoders (CLIP ViT-L, OpenCLIP ViT-H) and SD2's UNets.
constexpr std::int64_t real_head_width = 64;
// GroupNorm's groups in every real SD network.
constexpr std::int64_t real_norm_groups = 32;
// SD1's UNet heads at every level.
constexpr std::int64_t sd1_unet_heads = 8;

struct SingleFileSettings {
  ModelFamily family = ModelFamily::sd1;
  bool has_unet = false;
  bool has_vae = false;
  bool has_text_encoder = false;   // any text encoder: SD's one, or SDXL's CLIP-L and/or OpenCLIP-bigG
  TextEncoderConfig text_encoder;  // SD's, or SDXL's CLIP-L
  // SDXL's OpenCLIP-bigG encoder (the sidecar's "text_encoder_2" section); a refiner file holds only it.
  bool has_clip_l = false;
  bool has_big_g = false;
  TextEncoderConfig text_encoder_2;
  UNetConfig unet;
  VaeConfig vae;
  SchedulerConfig scheduler;        // the sidecar's, else the default one (Euler, ε-prediction)
  bool scheduler_given = false;     // the sidecar gives it
  std::filesystem::path tokenizer;  // the sidecar's tokenizer folder; empty: none given
  std::int64_t text_width = 0;      // the text encoder's width (SDXL: CLIP-L's + bigG's); 0 without one
  std::int64_t big_g_width = 0;     // SDXL: bigG's width (a refiner's UNet takes it alone); 0 without it
  std::int64_t context_width = 0;   // the width of text the UNet's cross-attention takes; 0 when unknown
};

// The family: SDXL's conditioner (conditioner.embedders.*) or, in a UNet-only file, its added embedding
// (label_emb.*) mean SDXL; OpenCLIP text tensors (cond_stage_model.model.*), or in a UNet-only file
// linear transformer projections, mean SD2; otherwise SD1.
ModelFamily single_file_family(const std::map<std::string, TensorInfo>& tensors);

// Settings from the tensors of `file` and its sidecar (nullopt: none). What the sidecar leaves out is
// taken from the real SD1.x / SD2.x / SDXL networks — GroupNorm 32 groups, 64-wide text heads, SD1's UNet
// 8 heads per level, SD2's and SDXL's 64-wide UNet heads, quick_gelu (SD1, SDXL's CLIP-L) or gelu (SD2,
// SDXL's bigG), VAE scaling 0.18215 (SDXL 0.13025), Euler ε-prediction (SDXL: leading timesteps) —
// where the tensors' widths fit them. Where they do not (a small or unusual network),
// Error(capability) names the sidecar to write and each field it must give; a value the sidecar gives
// that does not fit the tensors is Error(input) naming the field and the tensor.
SingleFileSettings resolve_single_file_settings(const std::map<std::string, TensorInfo>& tensors,
                                                const std::optional<ModelSidecar>& sidecar,
                                                const std::filesystem::path& file);

}  // namespace easel::diffusion
