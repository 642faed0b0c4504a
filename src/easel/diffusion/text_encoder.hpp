#pragma once
// CLIP text transformer (Hugging Face CLIPTextModel naming): SD1's ViT-L/14 text tower and SD2's
// OpenCLIP ViT-H one, which differ only in sizes, activation and the layer whose output is used.
#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <vector>

#include "easel/diffusion/layers.hpp"
#include "easel/model_files/model_config.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

class TextEncoder {
 public:
  // The layer count is read from the weights.
  TextEncoder(const Weights& weights, TextEncoderConfig config);

  // (B, 77) int64 ids → (B, 77, hidden): the final LayerNorm applied to the output of the last layer,
  // or, with clip_skip = n, to the output n layers before it ("CLIP skip"); float32 whatever the
  // weights' type (bfloat16 with Precision::bf16).
  at::Tensor encode(const at::Tensor& ids, int clip_skip = 0) const;
  // Embeddings then the output of every layer, before the final LayerNorm (for inspection and tests).
  std::vector<at::Tensor> hidden_states(const at::Tensor& ids) const;
  at::Tensor final_layer_norm(const at::Tensor& hidden) const { return final_norm_(hidden); }
  std::size_t layer_count() const { return layers_.size(); }
  // New weights for the layers' linear projections, keyed as the weights file names them
  // ("text_model.encoder.layers.0.self_attn.q_proj.weight"), of their shapes (LayerIndex::set_weights).
  void set_weights(const std::map<std::string, at::Tensor>& weights);
  std::int64_t width() const { return token_embedding_.size(1); }
  std::int64_t vocabulary_size() const { return token_embedding_.size(0); }
  std::int64_t positions() const { return position_embedding_.size(0); }

 private:
  struct Layer {
    LayerNorm norm1, norm2;
    Linear q, k, v, out, fc1, fc2;
  };
  at::Tensor embed(const at::Tensor& ids) const;
  at::Tensor run_layer(const Layer& layer, const at::Tensor& hidden) const;

  TextEncoderConfig config_;
  at::Tensor token_embedding_;
  at::Tensor position_embedding_;
  std::vector<Layer> layers_;
  LayerNorm final_norm_;
};

}  // namespace easel::diffusion
