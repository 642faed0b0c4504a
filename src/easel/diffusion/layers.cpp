#include "easel/diffusion/layers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "easel/core/error.hpp"

namespace easel::diffusion {
namespace {

void check_width(const std::string& name, const at::Tensor& weight, std::int64_t expected, std::int64_t actual) {
  if (expected == actual) return;
  std::string shape;
  for (std::int64_t extent : weight.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(extent);
  throw Error(ErrorKind::input, "tensor '" + name + ".weight' of shape (" + shape + ") does not fit its input of width " +
                                    std::to_string(actual) + " (expected " + std::to_string(expected) + ")");
}

}  // namespace

Linear::Linear(const Weights& weights, const std::string& prefix, bool has_bias, LinearKernel kernel_)
    : weight(weights.get(prefix + ".weight")), name(prefix), kernel(kernel_) {
  if (weight.dim() == 4) weight = weight.flatten(1);  // 1×1 convolutions stored for a linear layer
  if (has_bias) bias = weights.get(prefix + ".bias", {weight.size(0)});
}

at::Tensor Linear::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(1), x.size(-1));
  if (kernel == LinearKernel::onednn && x.dim() == 3 && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat &&
      x.is_contiguous() && at::hasMKLDNN()) {
    // (B, N, C) rows are an NHWC map of height N and width 1, and a (out, in) weight is a 1×1 kernel
    // whose NCHW and NHWC layouts coincide: oneDNN convolves them in place.
    const std::int64_t batch = x.size(0), rows = x.size(1);
    const at::Tensor map = x.view({batch, rows, 1, x.size(2)}).permute({0, 3, 1, 2});
    const at::Tensor out = at::conv2d(map, weight.view({weight.size(0), weight.size(1), 1, 1}), bias);
    return out.permute({0, 2, 3, 1}).reshape({batch, rows, weight.size(0)});
  }
  return at::linear(x, weight.scalar_type() == x.scalar_type() ? weight : weight.to(x.scalar_type()), bias);
}

at::Tensor stored_compactly(const at::Tensor& tensor) {
  if (tensor.scalar_type() != at::kFloat) return tensor;
  at::Tensor half = tensor.to(at::kHalf);
  return at::equal(half.to(at::kFloat), tensor) ? half : tensor;
}

Conv2d::Conv2d(const Weights& weights, const std::string& prefix, std::int64_t stride_, std::int64_t padding_, bool has_bias, ConvWeights layout)
    : weight(weights.get(prefix + ".weight", {-1, -1, -1, -1})), name(prefix), stride(stride_), padding(padding_ < 0 ? weight.size(2) / 2 : padding_) {
  if (has_bias) bias = weights.get(prefix + ".bias", {weight.size(0)});
  if (layout == ConvWeights::channels_last) {
    weight = weight.contiguous(at::MemoryFormat::ChannelsLast);
    return;
  }
  // Only float32: prepacked bfloat16 weights sent oneDNN to a much slower kernel than dense ones.
  if (at::hasMKLDNN() && weight.scalar_type() == at::kFloat) {
    weight = at::mkldnn_reorder_conv2d_weight(weight.contiguous().to_mkldnn(), {padding, padding}, {stride, stride}, {1, 1}, 1);
  }
}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(1), x.size(1));
  if (weight.is_mkldnn()) return at::mkldnn_convolution(x.contiguous(), weight, bias, {padding, padding}, {stride, stride}, {1, 1}, 1);
  return at::conv2d(x, weight, bias, stride, padding);
}

GroupNorm::GroupNorm(const Weights& weights, const std::string& prefix, std::int64_t groups_, double eps_)
    : weight(weights.get(prefix + ".weight", {-1})), name(prefix), groups(groups_), eps(eps_) {
  if (weight.size(0) % groups != 0) {
    throw Error(ErrorKind::input, "tensor '" + prefix + ".weight' has " + std::to_string(weight.size(0)) + " channels, not divisible into " +
                                      std::to_string(groups) + " groups");
  }
  bias = weights.get(prefix + ".bias", {weight.size(0)});
}

at::Tensor GroupNorm::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(0), x.size(1));
  // LibTorch 1.13 normalizes channels-last bfloat16 maps wrongly (rel-L2 0.95 against float32 on a
  // 256-channel map), while its channels-last float32 kernel is right: such maps (the bf16 VAE's) make
  // a round trip through float32, which still leaves the bf16 decode 1.4× faster than fp32's.
  if (x.scalar_type() == at::kBFloat16 && x.dim() == 4 && !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
    return at::group_norm(x.to(at::kFloat), groups, weight.to(at::kFloat), bias.to(at::kFloat), eps).to(at::kBFloat16);
  }
  return at::group_norm(x, groups, weight, bias, eps);
}

LayerNorm::LayerNorm(const Weights& weights, const std::string& prefix, double eps_)
    : weight(weights.get(prefix + ".weight", {-1})), name(prefix), eps(eps_) {
  bias = weights.get(prefix + ".bias", {weight.size(0)});
}

at::Tensor LayerNorm::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(0), x.size(-1));
  return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
}

at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads, bool causal) {
  const std::int64_t batch = q.size(0), queries = q.size(1), keys = k.size(1);
  const std::int64_t head_dim = q.size(2) / heads;
  const auto split = [&](const at::Tensor& x) {
    return x.reshape({batch, x.size(1), heads, head_dim}).transpose(1, 2).reshape({batch * heads, x.size(1), head_dim});
  };
  // Scaling the queries rather than the scores saves a pass over the (queries × keys) score matrix.
  const at::Tensor scaled_q = split(q * (1.0 / std::sqrt(static_cast<double>(head_dim))));
  const at::Tensor keys_t = split(k).transpose(1, 2);
  const at::Tensor values = split(v);
  // Scores are computed for a block of queries at a time, about 4 M values (16 MB in float32), so that
  // the softmax runs in cache instead of streaming a 512 MB matrix at SD's 4096 latent positions.
  constexpr std::int64_t block_values = std::int64_t{1} << 22;
  const std::int64_t rows = std::clamp<std::int64_t>(block_values / std::max<std::int64_t>(1, batch * heads * keys), 1, queries);
  at::Tensor out = at::empty({batch * heads, queries, head_dim}, q.options());
  for (std::int64_t start = 0; start < queries; start += rows) {
    const std::int64_t end = std::min(queries, start + rows);
    at::Tensor scores = at::matmul(scaled_q.slice(1, start, end), keys_t);
    if (causal) {
      const at::Tensor future = at::ones({end - start, keys}, q.options().dtype(at::kBool)).triu(start + 1);
      scores.masked_fill_(future, -std::numeric_limits<float>::infinity());
    }
    at::Tensor block = out.slice(1, start, end);
    at::matmul_out(block, at::softmax(scores, -1), values);
  }
  return out.view({batch, heads, queries, head_dim}).transpose(1, 2).reshape({batch, queries, heads * head_dim});
}

}  // namespace easel::diffusion
