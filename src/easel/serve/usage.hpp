#pragma once
// Token accounting in OpenAI's `usage` shape, by a documented rule (docs/server.md):
// - text tokens: ceil(UTF-8 bytes / 4), OpenAI's own rule of thumb for English text;
// - image tokens: the tile rule OpenAI documents for image inputs: scale to fit 2048x2048, then so the
//   short side is at most 768, count 512-pixel tiles; tokens = 85 + 170 x tiles. Inputs and outputs
//   are counted by the same rule; an input whose content hash this key sent before counts as cached.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace easel::serve {

std::int64_t text_tokens(const std::string& text);
std::int64_t image_tokens(int width, int height);

struct Usage {
  std::int64_t text_tokens = 0;
  std::int64_t image_tokens = 0;
  std::int64_t cached_tokens = 0;  // part of image_tokens: inputs seen before
  std::int64_t output_tokens = 0;
  std::int64_t input_tokens() const { return text_tokens + image_tokens; }
  nlohmann::json to_json() const;
};

}  // namespace easel::serve
