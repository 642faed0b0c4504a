#pragma once
// TAESD (madebyollin/taesd): a tiny decoder that turns SD1/SD2 latents into an approximate image with
// about 1/18 of the VAE decoder's operations (0.14 vs 2.5 TFLOP at 512×512), used for progress
// previews. TAESD-XL (madebyollin/taesdxl) is the same network trained on SDXL's latents; each family's
// latents need their own (the other's gives wrong colours). Its weights are read from either layout the repository
// ships: `taesd_decoder.safetensors` (the original sequential network, keys "1.weight" … "19.bias") or the diffusers
// AutoencoderTiny folder's `diffusion_pytorch_model.safetensors` (keys "decoder.layers.0.weight" …; the encoder is
// ignored).
//
// The network: tanh clamp (3·tanh(x/3)), 3×3 conv latent→64, ReLU, then three times [3 blocks,
// nearest ×2 upsampling, 3×3 conv without bias], one more block and a 3×3 conv to RGB. A block is
// ReLU(conv3(ReLU(conv2(ReLU(conv1(x))))) + x).
#include <ATen/ATen.h>

#include <filesystem>
#include <memory>
#include <optional>

namespace easel::diffusion {

// The file names looked for in a TAESD folder, in this order.
inline constexpr const char* taesd_decoder_file = "taesd_decoder.safetensors";
inline constexpr const char* taesd_diffusers_file = "diffusion_pytorch_model.safetensors";
// What to tell a user who has none.
inline constexpr const char* taesd_pull_command = "easel models pull madebyollin/taesd";
inline constexpr const char* taesdxl_pull_command = "easel models pull madebyollin/taesdxl";

// The TAESD weights file in `folder` (either name above), or nothing.
std::optional<std::filesystem::path> find_taesd(const std::filesystem::path& folder);

class TinyDecoder {
 public:
  // A .safetensors file of either layout, or a folder holding one. A missing file is a capability
  // error naming it and the pull command; a missing or misshaped tensor an input error naming it.
  explicit TinyDecoder(const std::filesystem::path& path);
  ~TinyDecoder();
  TinyDecoder(TinyDecoder&&) noexcept;
  TinyDecoder& operator=(TinyDecoder&&) noexcept;

  // Latents as the UNet sees them (scaled by the VAE's scaling factor: TAESD was trained on those),
  // (B, 4, h, w) → images (B, 3, 8h, 8w) on the VAE's scale ([-1, 1], not clamped).
  at::Tensor decode(const at::Tensor& latents) const;

 private:
  struct Network;
  std::unique_ptr<Network> network_;
};

}  // namespace easel::diffusion
