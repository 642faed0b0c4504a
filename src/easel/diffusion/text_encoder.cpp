#include "easel/diffusion/text_encoder.hpp"

#include "easel/core/error.hpp"

namespace easel::diffusion {

TextEncoder::TextEncoder(const Weights& weights, TextEncoderConfig config) : config_(config) {
  const std::string root = "text_model.";
  token_embedding_ = stored_compactly(weights.get(root + "embeddings.token_embedding.weight", {-1, -1}));
  const std::int64_t hidden = token_embedding_.size(1);
  position_embedding_ = weights.get(root + "embeddings.position_embedding.weight", {-1, hidden});
  if (config_.heads < 1 || hidden % config_.heads != 0) {
    throw Error(ErrorKind::input, "text encoder width " + std::to_string(hidden) + " is not divisible by " +
                                      std::to_string(config_.heads) + " heads (" + weights.source() + ")");
  }
  for (std::size_t i = 0; weights.contains(root + "encoder.layers." + std::to_string(i) + ".layer_norm1.weight"); ++i) {
    const std::string base = root + "encoder.layers." + std::to_string(i) + ".";
    Layer layer{LayerNorm(weights, base + "layer_norm1", config_.layer_norm_eps),
                LayerNorm(weights, base + "layer_norm2", config_.layer_norm_eps),
                Linear(weights, base + "self_attn.q_proj", true, LinearKernel::onednn),
                Linear(weights, base + "self_attn.k_proj", true, LinearKernel::onednn),
                Linear(weights, base + "self_attn.v_proj", true, LinearKernel::onednn),
                Linear(weights, base + "self_attn.out_proj", true, LinearKernel::onednn),
                Linear(weights, base + "mlp.fc1", true, LinearKernel::onednn),
                Linear(weights, base + "mlp.fc2", true, LinearKernel::onednn)};
    for (const Linear* projection : {&layer.q, &layer.k, &layer.v, &layer.out}) {
      if (projection->weight.sizes() != at::IntArrayRef{hidden, hidden}) {
        throw Error(ErrorKind::input, "tensor '" + base + "self_attn.*' in " + weights.source() +
                                          " does not fit width " + std::to_string(hidden));
      }
    }
    // The text encoder runs once per prompt: widening its float16-exact weights per call costs little
    // and saves half their memory (0.7 GB for SD2's OpenCLIP-H), which a generation's peak needs.
    for (Linear* linear : {&layer.q, &layer.k, &layer.v, &layer.out, &layer.fc1, &layer.fc2}) {
      linear->compact = true;
      linear->weight = stored_compactly(linear->weight);
    }
    layers_.push_back(std::move(layer));
  }
  if (layers_.empty())
    throw Error(ErrorKind::input,
                "tensor '" + root + "encoder.layers.0.layer_norm1.weight' is missing from " + weights.source());
  final_norm_ = LayerNorm(weights, root + "final_layer_norm", config_.layer_norm_eps);
  // One token through every layer finds tensors that do not fit together at load, naming the first.
  (void)encode(at::zeros({1, 1}, at::kLong));
}

void TextEncoder::set_weights(const std::map<std::string, at::Tensor>& weights) {
  LayerIndex index;
  for (Layer& layer : layers_) {
    for (Linear* linear : {&layer.q, &layer.k, &layer.v, &layer.out, &layer.fc1, &layer.fc2}) index.add(*linear);
  }
  index.set_weights(weights);
}

at::Tensor TextEncoder::run_layer(const Layer& layer, const at::Tensor& hidden) const {
  const at::Tensor normed = layer.norm1(hidden);
  at::Tensor h =
      hidden + layer.out(multi_head_attention(layer.q(normed), layer.k(normed), layer.v(normed), config_.heads, true));
  at::Tensor inner = layer.fc1(layer.norm2(h));
  inner = config_.activation == Activation::gelu ? at::gelu(inner) : inner * at::sigmoid(1.702 * inner);
  return h + layer.fc2(inner);
}

at::Tensor TextEncoder::embed(const at::Tensor& ids) const {
  if (ids.dim() != 2 || ids.size(1) > position_embedding_.size(0)) {
    throw Error(ErrorKind::input,
                "text encoder input must be (batch, ≤ " + std::to_string(position_embedding_.size(0)) + ") token ids");
  }
  if (ids.numel() > 0 &&
      (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= token_embedding_.size(0))) {
    throw Error(ErrorKind::input, "token id " + std::to_string(ids.max().item<std::int64_t>()) +
                                      " is outside the text encoder's vocabulary of " +
                                      std::to_string(token_embedding_.size(0)) +
                                      " tokens (the tokenizer and the text encoder do not belong together)");
  }
  const at::Tensor positions = at::arange(ids.size(1), ids.options().dtype(at::kLong));
  const at::Tensor tokens = token_embedding_.index_select(0, ids.flatten()).to(position_embedding_.scalar_type());
  return tokens.view({ids.size(0), ids.size(1), -1}) + position_embedding_.index_select(0, positions);
}

std::vector<at::Tensor> TextEncoder::hidden_states(const at::Tensor& ids) const {
  std::vector<at::Tensor> states{embed(ids)};
  for (const Layer& layer : layers_) states.push_back(run_layer(layer, states.back()));
  return states;
}

at::Tensor TextEncoder::encode(const at::Tensor& ids, int clip_skip) const {
  if (clip_skip < 0 || static_cast<std::size_t>(clip_skip) >= layers_.size()) {
    throw Error(ErrorKind::usage, "clip skip must be between 0 and " + std::to_string(layers_.size() - 1));
  }
  at::Tensor hidden = embed(ids);
  for (std::size_t i = 0; i + static_cast<std::size_t>(clip_skip) < layers_.size(); ++i)
    hidden = run_layer(layers_[i], hidden);
  return final_norm_(hidden).to(at::kFloat);
}

}  // namespace easel::diffusion
