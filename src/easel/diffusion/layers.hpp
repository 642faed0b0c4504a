#pragma once
// The few neural-network layers the SD models are made of, as plain ATen calls on loaded weights.
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

// Which library multiplies a Linear's float32 inputs. `blas`: at::linear (OpenBLAS here). `onednn`:
// oneDNN's sgemm over the rows as they lie, with a float32 weight stored transposed at load and a
// float16-stored one (stored_compactly) widened per call. OpenBLAS 0.3.21 runs its Haswell kernels on
// this AVX-512 machine; at the UNet transformer's shapes sgemm reaches 400–500 GFLOP/s on two cores,
// against about 190 as a 1×1 oneDNN convolution (which reorders the weight on every call). bfloat16
// inputs take at::linear, which LibTorch sends to oneDNN itself.
enum class LinearKernel { blas, onednn };

// Each layer keeps its weight's name so that an input it cannot take (a checkpoint whose tensors do
// not fit together) is reported as an input error naming that tensor.
struct Linear {
  at::Tensor weight;  // float32 / bfloat16, or float16 storage (stored_compactly) widened to the input's type per call
  at::Tensor bias;    // undefined when the layer has none
  std::string name;
  LinearKernel kernel = LinearKernel::blas;
  bool compact = false;  // the weight is kept as stored_compactly keeps it
  Linear() = default;
  Linear(const Weights& weights, const std::string& prefix, bool has_bias = true,
         LinearKernel kernel_ = LinearKernel::blas);
  // A new weight of the same shape, given as a weights file holds it and kept as the constructor keeps it.
  void set_weight(at::Tensor raw);
  // x·Wᵀ + bias, plus `residual` when given (of the output's shape), which the oneDNN kernel adds by
  // accumulating the product onto it instead of in a separate pass.
  at::Tensor operator()(const at::Tensor& x, const at::Tensor& residual = {}) const;
};

// How a convolution keeps its weights. `prepacked` (float32 where oneDNN is available): in oneDNN's
// blocked layout once at load; unpacked weights are reordered on every call, which costs more than the
// convolution itself at the UNet's 8×8 and 16×16 levels with 1280 channels. `channels_last`: dense
// NHWC weights for NHWC activations, which oneDNN convolves without reordering the activations — at
// the VAE's 512×512 maps that reorder is a 268 MB copy in and another out per convolution, while the
// per-call weight reorder is negligible.
enum class ConvWeights { prepacked, channels_last };

struct Conv2d {
  at::Tensor weight;
  at::Tensor bias;  // undefined when the layer has none
  std::string name;
  std::int64_t stride = 1;
  std::int64_t padding = 0;
  ConvWeights layout = ConvWeights::prepacked;
  Conv2d() = default;
  // padding_ < 0: kernel / 2 ("same" for odd kernels).
  Conv2d(const Weights& weights, const std::string& prefix, std::int64_t stride_ = 1, std::int64_t padding_ = -1,
         bool has_bias = true, ConvWeights layout_ = ConvWeights::prepacked);
  // A new weight of the same shape, given as a weights file holds it and kept as the constructor keeps it.
  void set_weight(at::Tensor raw);
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

// A network's Linear and Conv2d layers by module name, to change weights in place (a model whose LoRA
// set changes, model.hpp: change_loras).
class LayerIndex {
 public:
  void add(Linear& layer) { linears_[layer.name] = &layer; }
  void add(Conv2d& layer) { convs_[layer.name] = &layer; }
  // `weights` keyed "<module>.weight", each of its layer's shape; Error(internal) for a name the network
  // does not have or a shape that is not the layer's (callers pass names the network was built from).
  void set_weights(const std::map<std::string, at::Tensor>& weights);

 private:
  std::map<std::string, Linear*> linears_;
  std::map<std::string, Conv2d*> convs_;
};

// `tensor` as float16 when every value survives the round trip exactly (weights published in float16,
// as most checkpoints are), else unchanged: half the memory for layers that widen it back per use
// (Linear does), with bit-identical results.
at::Tensor stored_compactly(const at::Tensor& tensor);

// Multi-head scaled dot-product attention on (B, N, heads·d) projections; `causal` masks the future.
at::Tensor multi_head_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads,
                                bool causal);

}  // namespace easel::diffusion
