#pragma once
// CLIP text transformer (Hugging Face CLIPTextModel naming): SD1's ViT-L/14 text tower and SD2's
// OpenCLIP ViT-H one, which differ only in sizes, activation and the layer whose output is used.
#include <ATen/ATen.h>

#include <filesystem>
#include <vector>

#include "easel/diffusion/layers.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

enum class Activation { quick_gelu, gelu };

struct TextEncoderConfig {
  std::int64_t heads = 12;
  Activation activation = Activation::quick_gelu;
  double layer_norm_eps = 1e-5;
  // Reads a transformers config.json (num_attention_heads, hidden_act, layer_norm_eps).
  static TextEncoderConfig from_json_file(const std::filesystem::path& path);
};

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
