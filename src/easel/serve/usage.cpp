#include "easel/serve/usage.hpp"

#include <algorithm>
#include <cmath>

namespace easel::serve {

std::int64_t text_tokens(const std::string& text) { return static_cast<std::int64_t>((text.size() + 3) / 4); }

std::int64_t image_tokens(int width, int height) {
  double w = width;
  double h = height;
  const double fit = std::min(1.0, 2048.0 / std::max(w, h));
  w *= fit;
  h *= fit;
  const double shorten = std::min(1.0, 768.0 / std::min(w, h));
  w *= shorten;
  h *= shorten;
  const auto tiles = static_cast<std::int64_t>(std::ceil(w / 512.0) * std::ceil(h / 512.0));
  return 85 + 170 * tiles;
}

nlohmann::json Usage::to_json() const {
  return {{"input_tokens", input_tokens()},
          {"input_tokens_details",
           {{"text_tokens", text_tokens}, {"image_tokens", image_tokens}, {"cached_tokens", cached_tokens}}},
          {"output_tokens", output_tokens},
          {"total_tokens", input_tokens() + output_tokens}};
}

}  // namespace easel::serve
