#include "easel/diffusion/layers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <ATen/Parallel.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "easel/core/error.hpp"

namespace easel::diffusion {
namespace {

void check_onednn(dnnl_status_t status) {
  if (status != dnnl_success)
    throw Error(ErrorKind::internal, "oneDNN sgemm failed with status " + std::to_string(static_cast<int>(status)));
}

void check_width(const std::string& name, const at::Tensor& weight, std::int64_t expected, std::int64_t actual) {
  if (expected == actual) return;
  std::string shape;
  for (std::int64_t extent : weight.sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(extent);
  throw Error(ErrorKind::input, "tensor '" + name + ".weight' of shape (" + shape +
                                    ") does not fit its input of width " + std::to_string(actual) + " (expected " +
                                    std::to_string(expected) + ")");
}

}  // namespace

Linear::Linear(const Weights& weights, const std::string& prefix, bool has_bias, LinearKernel kernel_)
    : name(prefix), kernel(kernel_) {
  set_weight(weights.get(prefix + ".weight"));
  if (has_bias) bias = weights.get(prefix + ".bias", {weight.size(0)});
}

void Linear::set_weight(at::Tensor raw) {
  weight = std::move(raw);
  if (weight.dim() == 4) weight = weight.flatten(1);  // 1×1 convolutions stored for a linear layer
  if (compact) weight = stored_compactly(weight);
  // sgemm multiplies by an (in, out) row-major matrix faster than by its transpose (1.1–1.7× at the
  // UNet's shapes): the (out, in) weight keeps its shape and is stored column-major instead.
  if (kernel == LinearKernel::onednn && weight.scalar_type() == at::kFloat) weight = weight.t().contiguous().t();
}

at::Tensor Linear::operator()(const at::Tensor& x, const at::Tensor& residual) const {
  check_width(name, weight, weight.size(1), x.size(-1));
  const bool widened_storage = weight.scalar_type() == at::kHalf;  // stored_compactly: widened per call
  if (kernel == LinearKernel::onednn && x.scalar_type() == at::kFloat &&
      (weight.scalar_type() == at::kFloat || widened_storage) && x.device().is_cpu()) {
    // Evenly spaced rows are read where they lie (GEGLU's half of its projection); others are copied.
    const bool strided_rows = !x.is_contiguous() && x.dim() == 3 && x.stride(2) == 1 && x.stride(1) >= x.size(2) &&
                              x.stride(0) == x.stride(1) * x.size(1);
    const at::Tensor input = strided_rows ? x : x.contiguous();
    at::Tensor matrix = widened_storage ? weight.to(at::kFloat) : weight;
    // The constructor stores float32 weights as (in, out) row-major; others are (out, in) row-major.
    const bool in_by_out = matrix.stride(0) == 1 && matrix.size(1) > 1;
    if (!in_by_out) matrix = matrix.contiguous();
    const std::int64_t rows = input.numel() / input.size(-1), in = matrix.size(1), out_width = matrix.size(0);
    std::vector<std::int64_t> shape = input.sizes().vec();
    shape.back() = out_width;
    if (residual.defined() && residual.sizes() != at::IntArrayRef(shape)) {
      throw Error(ErrorKind::internal, "residual of shape " + c10::str(residual.sizes()) + " added to '" + name +
                                           "' of output shape " + c10::str(at::IntArrayRef(shape)));
    }
    // The product accumulates (beta 1) onto a fresh tensor holding the bias and the residual: never
    // onto either itself (for a single row bias.expand(shape).contiguous() would be the bias).
    at::Tensor out = at::empty(shape, input.options());
    if (residual.defined() && bias.defined()) {
      at::add_out(out, residual, bias);
    } else if (residual.defined() || bias.defined()) {
      out.copy_(residual.defined() ? residual : bias);
    }
    const bool accumulate = residual.defined() || bias.defined();
    check_onednn(dnnl_sgemm('N', in_by_out ? 'N' : 'T', rows, out_width, in, 1.0f, input.data_ptr<float>(),
                            strided_rows ? input.stride(1) : in, matrix.data_ptr<float>(), in_by_out ? out_width : in,
                            accumulate ? 1.0f : 0.0f, out.data_ptr<float>(), out_width));
    return out;
  }
  const at::Tensor out =
      at::linear(x, weight.scalar_type() == x.scalar_type() ? weight : weight.to(x.scalar_type()), bias);
  return residual.defined() ? out + residual : out;
}

at::Tensor stored_compactly(const at::Tensor& tensor) {
  if (tensor.scalar_type() != at::kFloat) return tensor;
  at::Tensor half = tensor.to(at::kHalf);
  return at::equal(half.to(at::kFloat), tensor) ? half : tensor;
}

Conv2d::Conv2d(const Weights& weights, const std::string& prefix, std::int64_t stride_, std::int64_t padding_,
               bool has_bias, ConvWeights layout_)
    : name(prefix), stride(stride_), layout(layout_) {
  const at::Tensor raw = weights.get(prefix + ".weight", {-1, -1, -1, -1});
  padding = padding_ < 0 ? raw.size(2) / 2 : padding_;
  if (has_bias) bias = weights.get(prefix + ".bias", {raw.size(0)});
  set_weight(raw);
}

void Conv2d::set_weight(at::Tensor raw) {
  weight = std::move(raw);
  if (layout == ConvWeights::channels_last) {
    weight = weight.contiguous(at::MemoryFormat::ChannelsLast);
    return;
  }
  // Only float32: prepacked bfloat16 weights sent oneDNN to a much slower kernel than dense ones.
  if (at::hasMKLDNN() && weight.scalar_type() == at::kFloat) {
    weight = at::mkldnn_reorder_conv2d_weight(weight.contiguous().to_mkldnn(), {padding, padding}, {stride, stride},
                                              {1, 1}, 1);
  }
}

void LayerIndex::set_weights(const std::map<std::string, at::Tensor>& weights) {
  for (const auto& [name, weight] : weights) {
    const std::string module = name.ends_with(".weight") ? name.substr(0, name.size() - 7) : name;
    const auto linear = linears_.find(module);
    const auto conv = convs_.find(module);
    if (linear == linears_.end() && conv == convs_.end())
      throw Error(ErrorKind::internal, "the network has no layer '" + module + "' to change");
    const bool fits = linear != linears_.end() ? weight.numel() == linear->second->weight.numel()
                                               : weight.sizes() == conv->second->weight.sizes();
    if (!fits) {
      throw Error(ErrorKind::internal,
                  "a new weight of shape " + c10::str(weight.sizes()) + " does not fit layer '" + module + "'");
    }
    if (linear != linears_.end()) {
      linear->second->set_weight(weight);
    } else {
      conv->second->set_weight(weight);
    }
  }
}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(1), x.size(1));
  if (weight.is_mkldnn())
    return at::mkldnn_convolution(x.contiguous(), weight, bias, {padding, padding}, {stride, stride}, {1, 1}, 1);
  return at::conv2d(x, weight, bias, stride, padding);
}

GroupNorm::GroupNorm(const Weights& weights, const std::string& prefix, std::int64_t groups_, double eps_)
    : weight(weights.get(prefix + ".weight", {-1})), name(prefix), groups(groups_), eps(eps_) {
  if (groups < 1 || weight.size(0) % groups != 0) {
    throw Error(ErrorKind::input, "tensor '" + prefix + ".weight' has " + std::to_string(weight.size(0)) +
                                      " channels, not divisible into " + std::to_string(groups) + " groups");
  }
  bias = weights.get(prefix + ".bias", {weight.size(0)});
}

at::Tensor GroupNorm::operator()(const at::Tensor& x) const {
  check_width(name, weight, weight.size(0), x.size(1));
  // LibTorch 1.13 normalizes channels-last bfloat16 maps wrongly (rel-L2 0.95 against float32 on a
  // 256-channel map), while its channels-last float32 kernel is right: such maps (the bf16 VAE's) make
  // a round trip through float32, which still leaves the bf16 decode 1.4× faster than fp32's.
  if (x.scalar_type() == at::kBFloat16 && x.dim() == 4 && !x.is_contiguous() &&
      x.is_contiguous(at::MemoryFormat::ChannelsLast)) {
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

namespace {

// LibTorch 1.13 has no fused attention on the CPU, and its float32 batched products run through OpenBLAS,
// which reaches about a fifth of the convolution rate at head widths of 40–64 (it runs Haswell kernels
// on this AVX-512 machine). Here each task takes one head and a block of queries: oneDNN's sgemm
// (single-threaded inside the parallel region, AVX-512 kernels) forms the block's scores, oneDNN's
// softmax normalizes them in place while they are still in cache (0.22 ns a value against ATen's 0.63,
// whose AVX-512 kernels 1.13 leaves opt-in), and a second sgemm writes the block's output in place.
// q, k and v are read through their row strides, so no head is ever copied out or transposed.
at::Tensor float_attention(const at::Tensor& q_in, const at::Tensor& k_in, const at::Tensor& v_in, std::int64_t heads,
                           bool causal) {
  const at::Tensor q = q_in.contiguous(), k = k_in.contiguous(), v = v_in.contiguous();
  const std::int64_t batch = q.size(0), queries = q.size(1), keys = k.size(1), width = q.size(2),
                     head_dim = width / heads;
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim)));
  // 256 queries × 4096 keys is 4 MB of scores: few enough tasks to keep the products efficient, and
  // still 16 tasks per head at SD's 64×64 latent for the two cores to share.
  const std::int64_t block_rows = std::min<std::int64_t>(queries, 256);
  const std::int64_t blocks_per_head = (queries + block_rows - 1) / block_rows;
  const std::int64_t last_rows = queries - (blocks_per_head - 1) * block_rows;
  static const dnnl::engine cpu(dnnl::engine::kind::cpu, 0);
  const auto softmax_over = [&](std::int64_t rows) {
    const dnnl::memory::desc scores({rows, keys}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
    return std::pair{scores, dnnl::softmax_forward(dnnl::softmax_forward::primitive_desc(
                                 dnnl::softmax_forward::desc(dnnl::prop_kind::forward_inference, scores, 1), cpu))};
  };
  const auto [block_scores, block_softmax] = softmax_over(block_rows);
  const auto [last_scores, last_softmax] = softmax_over(last_rows);
  at::Tensor out = at::empty({batch, queries, width}, q.options());
  const float* q_data = q.data_ptr<float>();
  const float* k_data = k.data_ptr<float>();
  const float* v_data = v.data_ptr<float>();
  float* out_data = out.data_ptr<float>();
  at::parallel_for(0, batch * heads * blocks_per_head, 1, [&](std::int64_t first, std::int64_t last) {
    dnnl::stream stream(cpu);
    at::Tensor scores = at::empty({block_rows, keys}, q.options());
    for (std::int64_t task = first; task < last; ++task) {
      const std::int64_t sample = task / (heads * blocks_per_head), head = task / blocks_per_head % heads;
      const std::int64_t block = task % blocks_per_head, start = block * block_rows;
      const bool tail = block == blocks_per_head - 1;
      const std::int64_t rows = tail ? last_rows : block_rows;
      const std::int64_t head_offset = head * head_dim;
      const float* q_block = q_data + (sample * queries + start) * width + head_offset;
      const float* k_head = k_data + sample * keys * width + head_offset;
      const float* v_head = v_data + sample * keys * width + head_offset;
      float* out_block = out_data + (sample * queries + start) * width + head_offset;
      float* scores_data = scores.data_ptr<float>();
      check_onednn(
          dnnl_sgemm('N', 'T', rows, keys, head_dim, scale, q_block, width, k_head, width, 0.0f, scores_data, keys));
      if (causal) {
        scores.narrow(0, 0, rows)
            .masked_fill_(at::ones({rows, keys}, q.options().dtype(at::kBool)).triu(start + 1),
                          -std::numeric_limits<float>::infinity());
      }
      const dnnl::memory in_place(tail ? last_scores : block_scores, cpu, scores_data);
      (tail ? last_softmax : block_softmax).execute(stream, {{DNNL_ARG_SRC, in_place}, {DNNL_ARG_DST, in_place}});
      check_onednn(
          dnnl_sgemm('N', 'N', rows, head_dim, keys, 1.0f, scores_data, keys, v_head, width, 0.0f, out_block, width));
    }
  });
  return out;
}

}  // namespace

at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads,
                                bool causal) {
  if (heads < 1 || q.size(-1) % heads != 0) {
    throw Error(ErrorKind::input, "attention of width " + std::to_string(q.size(-1)) + " cannot be split into " +
                                      std::to_string(heads) + " heads");
  }
  if (q.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat &&
      q.device().is_cpu()) {
    return float_attention(q, k, v, heads, causal);
  }
  const std::int64_t batch = q.size(0), queries = q.size(1), keys = k.size(1);
  const std::int64_t head_dim = q.size(2) / heads;
  const auto split = [&](const at::Tensor& x) {
    return x.reshape({batch, x.size(1), heads, head_dim}).transpose(1, 2).reshape({batch * heads, x.size(1), head_dim});
  };
  // Scaling the queries rather than the scores saves a pass over the (queries × keys) score matrix.
  const at::Tensor scaled_q = split(q * (1.0 / std::sqrt(static_cast<double>(head_dim))));
  const at::Tensor keys_t = split(k).transpose(1, 2);
  const at::Tensor values = split(v);
  // Scores are computed for a block of queries at a time, about 4 M values, so that the softmax runs
  // in cache instead of streaming a (queries × keys) matrix at SD's 4096 latent positions.
  constexpr std::int64_t block_values = std::int64_t{1} << 22;
  const std::int64_t rows =
      std::clamp<std::int64_t>(block_values / std::max<std::int64_t>(1, batch * heads * keys), 1, queries);
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
