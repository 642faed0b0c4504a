#include "easel/serve/images_response.hpp"

namespace easel::serve {

nlohmann::json images_response(const ImagesResult& result, ImageFormat format, const std::string& quality,
                               std::int64_t created) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& image : result.images) data.push_back({{"b64_json", base64_encode(image)}});
  return {{"created", created},
          {"data", data},
          {"background", result.transparent ? "transparent" : "opaque"},
          {"output_format", format_name(format)},
          {"quality", quality},
          {"size", std::to_string(result.width) + "x" + std::to_string(result.height)},
          {"usage", result.usage.to_json()},
          {"easel", result.easel}};
}

}  // namespace easel::serve
