#include "easel/ops/geometry.hpp"

#include "easel/core/error.hpp"

namespace easel {

ParamSpec anchor_param(const char* description) {
  return make_choice(
      "anchor", description,
      {"center", "top", "bottom", "left", "right", "top-left", "top-right", "bottom-left", "bottom-right"}, "center");
}

cv::Point anchored_origin(cv::Size outer, cv::Size inner, const std::string& anchor) {
  const int free_x = outer.width - inner.width;
  const int free_y = outer.height - inner.height;
  int x = free_x / 2;
  int y = free_y / 2;
  if (anchor.find("left") != std::string::npos) x = 0;
  if (anchor.find("right") != std::string::npos) x = free_x;
  if (anchor.find("top") != std::string::npos) y = 0;
  if (anchor.find("bottom") != std::string::npos) y = free_y;
  return {x, y};
}

void check_output_size(cv::Size size, const std::string& where) {
  if (size.width < 1 || size.height < 1) {
    throw Error(ErrorKind::plan, where + ": the result would be empty (" + std::to_string(size.width) + "x" +
                                     std::to_string(size.height) + ")");
  }
  const auto pixels = static_cast<std::uint64_t>(size.width) * static_cast<std::uint64_t>(size.height);
  if (pixels > kMaxOutputPixels) {
    throw Error(ErrorKind::plan, where + ": the result would be " + std::to_string(size.width) + "x" +
                                     std::to_string(size.height) + " (" + std::to_string(pixels / 1'000'000) +
                                     " megapixels), above the limit of " +
                                     std::to_string(kMaxOutputPixels / 1'000'000) + " megapixels");
  }
}

ParamSpec pixel_size_param(const char* name, const char* description) {
  return make_param(name, ParamType::integer, description, nullptr, 1, 65535, "px");
}

}  // namespace easel
