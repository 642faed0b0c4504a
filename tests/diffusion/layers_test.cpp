#include "easel/diffusion/layers.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "golden.hpp"

namespace easel::diffusion {
namespace {

// softmax(Q·Kᵀ/√d)·V per head, written out directly.
at::Tensor plain_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, std::int64_t heads, bool causal) {
  const std::int64_t d = q.size(2) / heads;
  std::vector<at::Tensor> outputs;
  for (std::int64_t h = 0; h < heads; ++h) {
    const at::Tensor qh = q.slice(2, h * d, (h + 1) * d), kh = k.slice(2, h * d, (h + 1) * d), vh = v.slice(2, h * d, (h + 1) * d);
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
  test::expect_close(multi_head_attention(q, context, context, 4, false), plain_attention(q, context, context, 4, false), 1e-6, 1e-5,
                     "cross attention");
}

}  // namespace
}  // namespace easel::diffusion
