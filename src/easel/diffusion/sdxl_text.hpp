#pragma once
// SDXL's text conditioning, as diffusers' StableDiffusionXLPipeline.encode_prompt computes it: the CLIP
// ViT-L encoder (`text_encoder`, windows padded with 49407) and the OpenCLIP ViT-bigG encoder
// (`text_encoder_2`, padded with 0 = "!") each read the prompt's 77-id window (longer prompts are
// truncated); the UNet's context is both encoders' penultimate states — before the final LayerNorm —
// concatenated along the features, CLIP-L first; the pooled embedding is bigG's final LayerNorm of its
// last layer at the end-of-text token, times its text projection. The refiner has the bigG encoder only.
// And the micro-conditioning "time ids" the UNet's added embedding takes.
#include <ATen/ATen.h>

#include <optional>
#include <string_view>
#include <vector>

#include "easel/diffusion/layers.hpp"
#include "easel/diffusion/text_encoder.hpp"
#include "easel/diffusion/tokenizer.hpp"
#include "easel/diffusion/weights.hpp"

namespace easel::diffusion {

struct SdxlTextEmbedding {
  at::Tensor states;  // (1, 77, width of CLIP-L + width of bigG), or bigG's alone for the refiner
  at::Tensor pooled;  // (1, projection width)
};

// Both read an encoder's `states` for `ids` (B, 77) (TextEncoder::hidden_states: the embeddings, then
// every layer's output), so one run of the encoder gives the context and the pooled embedding.
// The penultimate layer's output, before the final LayerNorm.
at::Tensor penultimate_state(const std::vector<at::Tensor>& states);
// The final LayerNorm of the last layer at each row's end-of-text token. As transformers does for
// these configs (legacy eos_token_id 2), that is the position of the row's largest id: the first
// end-of-text (49407, the largest id in CLIP's vocabulary) whatever the padding.
at::Tensor pooled_state(const TextEncoder& encoder, const std::vector<at::Tensor>& states, const at::Tensor& ids);

class SdxlTextEncoders {
 public:
  // `clip_l` absent: the refiner's conditioning, bigG alone. `projection`: text_encoder_2's
  // `text_projection` (proj, width), without bias.
  SdxlTextEncoders(std::optional<TextEncoder> clip_l, TextEncoder big_g, Linear projection);

  SdxlTextEmbedding encode(const ClipTokenizer& tokenizer, std::string_view prompt) const;
  // What the UNet takes from a prompt whose ids are given: (B, 77) for each encoder (clip_l_ids unused
  // without CLIP-L).
  SdxlTextEmbedding encode_ids(const at::Tensor& clip_l_ids, const at::Tensor& big_g_ids) const;
  bool has_clip_l() const { return clip_l_.has_value(); }
  // The encoders themselves, for changing their weights in place (TextEncoder::set_weights).
  TextEncoder* clip_l() { return clip_l_ ? &*clip_l_ : nullptr; }
  TextEncoder& big_g() { return big_g_; }
  // The UNet's context width (CLIP-L's and bigG's together, or bigG's alone), and the narrowest
  // vocabulary and position count of the encoders.
  std::int64_t width() const;
  std::int64_t vocabulary_size() const;
  std::int64_t positions() const;

 private:
  std::optional<TextEncoder> clip_l_;
  TextEncoder big_g_;
  Linear projection_;
};

// text_encoder_2's projection from a diffusers folder's weights: `text_projection.weight` (proj, width).
Linear sdxl_text_projection(const Weights& big_g_weights);

// The base model's time ids: original size (h, w), crop top-left (top, left), target size (h, w).
at::Tensor sdxl_time_ids(std::int64_t original_height, std::int64_t original_width, std::int64_t crop_top,
                         std::int64_t crop_left, std::int64_t target_height, std::int64_t target_width);
// The refiner's: original size, crop top-left, then the aesthetic score in place of the target size.
at::Tensor sdxl_aesthetic_time_ids(std::int64_t original_height, std::int64_t original_width, std::int64_t crop_top,
                                   std::int64_t crop_left, double aesthetic_score);

}  // namespace easel::diffusion
