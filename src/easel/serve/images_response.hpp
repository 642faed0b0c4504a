#pragma once
// What an Images API call produced and its response body in OpenAI's shape, shared by edits and
// generations.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/image/codec.hpp"
#include "easel/serve/bytes_codec.hpp"
#include "easel/serve/usage.hpp"

namespace easel::serve {

struct ImagesResult {
  std::vector<Bytes> images;  // encoded
  int width = 0;
  int height = 0;
  bool transparent = false;  // the output has pixels below full opacity
  Usage usage;
  nlohmann::json easel;  // Easel's extension: plan and report, or the generation settings
};

// {created, data: [{b64_json}], background, output_format, quality, size, usage, easel}
nlohmann::json images_response(const ImagesResult& result, ImageFormat format, const std::string& quality,
                               std::int64_t created);

}  // namespace easel::serve
