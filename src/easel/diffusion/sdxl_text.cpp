#include "easel/diffusion/sdxl_text.hpp"

#include <algorithm>
#include <utility>

#include "easel/core/error.hpp"

namespace easel::diffusion {

at::Tensor penultimate_state(const std::vector<at::Tensor>& states) {
  if (states.size() < 3) throw Error(ErrorKind::input, "an SDXL text encoder needs at least two layers");
  return states[states.size() - 2];
}

at::Tensor pooled_state(const TextEncoder& encoder, const std::vector<at::Tensor>& states, const at::Tensor& ids) {
  const at::Tensor last = encoder.final_layer_norm(states.back());
  const at::Tensor positions = ids.argmax(1);
  return last.index({at::arange(ids.size(0), at::kLong), positions});
}

SdxlTextEncoders::SdxlTextEncoders(std::optional<TextEncoder> clip_l, TextEncoder big_g, Linear projection)
    : clip_l_(std::move(clip_l)), big_g_(std::move(big_g)), projection_(std::move(projection)) {
  if (projection_.weight.size(1) != big_g_.width()) {
    throw Error(ErrorKind::input, "text_encoder_2's text_projection takes " +
                                      std::to_string(projection_.weight.size(1)) + "-wide states, but the encoder is " +
                                      std::to_string(big_g_.width()) + " wide");
  }
}

SdxlTextEmbedding SdxlTextEncoders::encode_ids(const at::Tensor& clip_l_ids, const at::Tensor& big_g_ids) const {
  const std::vector<at::Tensor> big_g = big_g_.hidden_states(big_g_ids);
  const at::Tensor big_g_context = penultimate_state(big_g);
  const at::Tensor pooled = projection_(pooled_state(big_g_, big_g, big_g_ids));
  if (!clip_l_) return {big_g_context, pooled};
  return {at::cat({penultimate_state(clip_l_->hidden_states(clip_l_ids)), big_g_context}, -1), pooled};
}

std::int64_t SdxlTextEncoders::width() const { return big_g_.width() + (clip_l_ ? clip_l_->width() : 0); }

std::int64_t SdxlTextEncoders::vocabulary_size() const {
  return clip_l_ ? std::min(clip_l_->vocabulary_size(), big_g_.vocabulary_size()) : big_g_.vocabulary_size();
}

std::int64_t SdxlTextEncoders::positions() const {
  return clip_l_ ? std::min(clip_l_->positions(), big_g_.positions()) : big_g_.positions();
}

SdxlTextEmbedding SdxlTextEncoders::encode(const ClipTokenizer& tokenizer, std::string_view prompt) const {
  const auto ids = [&](std::int64_t pad_id) {
    const std::vector<std::int64_t> window = tokenizer.window(prompt, pad_id);
    return at::tensor(at::ArrayRef<std::int64_t>(window), at::kLong).unsqueeze(0);
  };
  return encode_ids(ids(ClipTokenizer::sd1_pad_id), ids(ClipTokenizer::sd2_pad_id));
}

Linear sdxl_text_projection(const Weights& big_g_weights) { return Linear(big_g_weights, "text_projection", false); }

at::Tensor sdxl_time_ids(std::int64_t original_height, std::int64_t original_width, std::int64_t crop_top,
                         std::int64_t crop_left, std::int64_t target_height, std::int64_t target_width) {
  return at::tensor(std::vector<float>{static_cast<float>(original_height), static_cast<float>(original_width),
                                       static_cast<float>(crop_top), static_cast<float>(crop_left),
                                       static_cast<float>(target_height), static_cast<float>(target_width)})
      .unsqueeze(0);
}

at::Tensor sdxl_aesthetic_time_ids(std::int64_t original_height, std::int64_t original_width, std::int64_t crop_top,
                                   std::int64_t crop_left, double aesthetic_score) {
  return at::tensor(std::vector<float>{static_cast<float>(original_height), static_cast<float>(original_width),
                                       static_cast<float>(crop_top), static_cast<float>(crop_left),
                                       static_cast<float>(aesthetic_score)})
      .unsqueeze(0);
}

}  // namespace easel::diffusion
