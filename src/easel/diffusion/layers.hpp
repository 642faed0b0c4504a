#pragma once
// The few neural-network layers the SD models are made of, as plain ATen calls on loaded weights.
#include <ATen/ATen.h>

#include <string>

#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

// Each layer keeps its weight's name so that an input it cannot take (a checkpoint whose tensors do
// not fit together) is reported as an input error naming that tensor.
struct Linear {
  at::Tensor weight;
  at::Tensor bias;  // undefined when the layer has none
  std::string name;
  Linear() = default;
  Linear(const Weights& weights, const std::string& prefix, bool has_bias = true);
  at::Tensor operator()(const at::Tensor& x) const;
};

struct Conv2d {
  // Dense, or (float32 where oneDNN is available) prepacked into oneDNN's layout once at load: unpacked
  // weights are reordered on every call, which costs more than the convolution itself at SD's 8×8 and
  // 16×16 levels with 1280 channels.
  at::Tensor weight;
  at::Tensor bias;
  std::string name;
  std::int64_t stride = 1;
  std::int64_t padding = 0;
  Conv2d() = default;
  // padding_ < 0: kernel / 2 ("same" for odd kernels).
  Conv2d(const Weights& weights, const std::string& prefix, std::int64_t stride_ = 1, std::int64_t padding_ = -1);
  at::Tensor operator()(const at::Tensor& x) const;
  std::int64_t out_channels() const { return weight.size(0); }
};

struct GroupNorm {
  at::Tensor weight;
  at::Tensor bias;
  std::string name;
  std::int64_t groups = 32;
  double eps = 1e-5;
  GroupNorm() = default;
  GroupNorm(const Weights& weights, const std::string& prefix, std::int64_t groups_, double eps_);
  at::Tensor operator()(const at::Tensor& x) const;
};

struct LayerNorm {
  at::Tensor weight;
  at::Tensor bias;
  std::string name;
  double eps = 1e-5;
  LayerNorm() = default;
  LayerNorm(const Weights& weights, const std::string& prefix, double eps_);
  at::Tensor operator()(const at::Tensor& x) const;
};

// Multi-head scaled dot-product attention on (B, N, heads·d) projections; `causal` masks the future.
at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads, bool causal);

}  // namespace easel::diffusion
