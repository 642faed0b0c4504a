#include "easel/diffusion/layers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <oneapi/dnnl/dnnl.h>

#include "easel/core/error.hpp"
#include "golden.hpp"

namespace easel::diffusion {
namespace {

// softmax(Q·Kᵀ/√d)·V per head, written out directly.
at::Tensor plain_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads,
                           bool causal) {
  const std::int64_t d = q.size(2) / heads;
  std::vector<at::Tensor> outputs;
  for (std::int64_t h = 0; h < heads; ++h) {
    const at::Tensor qh = q.slice(2, h * d, (h + 1) * d), kh = k.slice(2, h * d, (h + 1) * d),
                     vh = v.slice(2, h * d, (h + 1) * d);
    at::Tensor scores = at::matmul(qh, kh.transpose(1, 2)) / std::sqrt(static_cast<double>(d));
    if (causal) scores = scores.masked_fill(at::ones({q.size(1), k.size(1)}, at::kBool).triu(1), -INFINITY);
    outputs.push_back(at::matmul(at::softmax(scores, -1), vh));
  }
  return at::cat(outputs, 2);
}

TEST(Layers, BlockwiseAttentionEqualsPlainAttention) {
  at::manual_seed(3);
  // 2 heads × 3000 keys: the queries are processed in several blocks.
  const at::Tensor q = at::randn({1, 3000, 16}), k = at::randn({1, 3000, 16}), v = at::randn({1, 3000, 16});
  for (bool causal : {false, true}) {
    test::expect_close(multi_head_attention(q, k, v, 2, causal), plain_attention(q, k, v, 2, causal), 1e-6, 1e-5,
                       causal ? "blockwise causal attention" : "blockwise attention");
  }
  const at::Tensor context = at::randn({1, 77, 16});
  test::expect_close(multi_head_attention(q, context, context, 4, false),
                     plain_attention(q, context, context, 4, false), 1e-6, 1e-5, "cross attention");
}

// The oneDNN kernel's transposed weight and accumulation onto the bias give at::linear's result, for a
// 1×1 convolution's 4-D weight and float16 storage too, with and without bias, on 2-D and 3-D inputs
// and on a single row (the UNet's 1×1 middle level), every time it is called.
// The float32 Linear and attention kernels write fresh (uninitialised) outputs with oneDNN's sgemm at
// beta 0, relying on it never reading C then. LibTorch 1.13's baddbmm with beta 0 does read its output
// (../shared/reference/sdxl/README.md: attention over a handful of tokens came out NaN at random), so
// the assumption is checked here on an output full of NaN, at the tiny models' shapes and the UNet's.
TEST(Layers, SgemmAtBetaZeroNeverReadsItsOutput) {
  struct Shape {
    std::int64_t m, n, k;
  };
  for (const Shape shape :
       {Shape{1, 1, 1}, Shape{2, 3, 4}, Shape{7, 5, 3}, Shape{77, 32, 32}, Shape{4, 77, 8}, Shape{256, 1024, 40}}) {
    for (const char transpose_b : {'N', 'T'}) {
      const at::Tensor a = at::randn({shape.m, shape.k});
      const at::Tensor b = transpose_b == 'N' ? at::randn({shape.k, shape.n}) : at::randn({shape.n, shape.k});
      at::Tensor c = at::full({shape.m, shape.n}, std::numeric_limits<float>::quiet_NaN());
      ASSERT_EQ(
          dnnl_sgemm('N', transpose_b, shape.m, shape.n, shape.k, 1.0f, a.data_ptr<float>(), shape.k,
                     b.data_ptr<float>(), transpose_b == 'N' ? shape.n : shape.k, 0.0f, c.data_ptr<float>(), shape.n),
          dnnl_success);
      const at::Tensor expected = at::mm(a, transpose_b == 'N' ? b : b.t());
      EXPECT_TRUE(at::isfinite(c).all().item<bool>()) << shape.m << "x" << shape.n << "x" << shape.k << transpose_b;
      test::expect_close(
          c, expected, 1e-5, 1e-4,
          "sgemm beta 0 " + std::to_string(shape.m) + "x" + std::to_string(shape.n) + "x" + std::to_string(shape.k));
    }
  }
}

TEST(Layers, OnednnLinearEqualsAtLinear) {
  at::manual_seed(5);
  Weights weights("test");
  weights.add("proj.weight", at::randn({48, 40}));
  weights.add("proj.bias", at::randn({48}));
  weights.add("conv.weight", at::randn({24, 40, 1, 1}));
  const at::Tensor rows = at::randn({2, 77, 40});
  for (bool has_bias : {true, false}) {
    const Linear linear(weights, "proj", has_bias, LinearKernel::onednn);
    const at::Tensor expected =
        at::linear(rows, weights.get("proj.weight"), has_bias ? weights.get("proj.bias") : at::Tensor());
    test::expect_close(linear(rows), expected, 1e-6, 1e-5,
                       has_bias ? "onednn linear with bias" : "onednn linear without bias");
    test::expect_close(linear(rows[0]), expected[0], 1e-6, 1e-5, "onednn linear on 2-D rows");
    const at::Tensor one_row = rows.slice(0, 0, 1).slice(1, 0, 1);
    for (int call = 0; call < 2; ++call) {
      test::expect_close(linear(one_row), expected.slice(0, 0, 1).slice(1, 0, 1), 1e-6, 1e-5,
                         "onednn linear on one row");
    }
  }
  Linear widened(weights, "proj", true, LinearKernel::onednn);
  widened.weight = stored_compactly(widened.weight.to(at::kHalf).to(at::kFloat));
  ASSERT_EQ(widened.weight.scalar_type(), at::kHalf);
  test::expect_close(widened(rows), at::linear(rows, widened.weight.to(at::kFloat), weights.get("proj.bias")), 1e-6,
                     1e-5, "onednn linear widening float16 storage");
  // A residual accumulated onto, and rows read in place from half of a wider projection (GEGLU's).
  const Linear with_bias(weights, "proj", true, LinearKernel::onednn);
  const at::Tensor residual = at::randn({2, 77, 48});
  test::expect_close(with_bias(rows, residual),
                     at::linear(rows, weights.get("proj.weight"), weights.get("proj.bias")) + residual, 1e-6, 1e-5,
                     "onednn linear onto a residual");
  const at::Tensor wide = at::randn({2, 77, 80});
  const at::Tensor half = wide.narrow(-1, 40, 40);
  ASSERT_FALSE(half.is_contiguous());
  test::expect_close(with_bias(half),
                     at::linear(half.contiguous(), weights.get("proj.weight"), weights.get("proj.bias")), 1e-6, 1e-5,
                     "onednn linear on strided rows");
  EXPECT_THROW(with_bias(rows, residual.slice(1, 0, 10)), Error);
  const Linear conv(weights, "conv", false, LinearKernel::onednn);
  test::expect_close(conv(rows), at::linear(rows, weights.get("conv.weight").flatten(1)), 1e-6, 1e-5,
                     "onednn linear from a 1×1 convolution");
}

}  // namespace
}  // namespace easel::diffusion
