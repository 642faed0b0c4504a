#pragma once
// The SD1.x / SD2.x / SDXL denoising UNet (diffusers UNet2DConditionModel naming): ResNet blocks with a
// timestep embedding, Transformer2D blocks with self- and cross-attention, down/up sampling with skip
// connections. The channel counts and block layout come from the weights; what the weights cannot
// tell (GroupNorm groups, head counts) comes from the config.
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <memory>
#include <vector>

#include "easel/model_files/model_config.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

// SDXL's added conditioning: the pooled text embedding (B, width) and the micro-conditioning time ids
// (B, n) (sdxl_text.hpp), embedded and added to the timestep embedding (diffusers' "text_time").
struct AddedConditioning {
  at::Tensor text_embeds;
  at::Tensor time_ids;
};

class UNet {
 public:
  UNet(const Weights& weights, UNetConfig config);
  ~UNet();
  UNet(UNet&&) noexcept;
  UNet& operator=(UNet&&) noexcept;

  // sample (B, Cin, h, w); timesteps: a 0-dim or (B,) tensor (fractional values allowed);
  // context (B, 77·k, ctx) → predicted noise or velocity (B, Cout, h, w), in the sample's type
  // (the network computes in its weights' type: float32, or bfloat16 with Precision::bf16).
  // `added`: required exactly when the UNet has an added embedding (takes_added_conditioning).
  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& context,
                     const AddedConditioning& added = {}) const;
  bool takes_added_conditioning() const;
  // New weights for its linear and convolution layers, keyed as the weights file names them
  // ("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight"), of their shapes.
  void set_weights(const std::map<std::string, at::Tensor>& weights);
  std::int64_t in_channels() const;
  std::int64_t context_dim() const;
  std::int64_t out_channels() const;

 private:
  struct Network;
  std::unique_ptr<Network> network_;
};

}  // namespace easel::diffusion
