#include "easel/typeset/text_layer.hpp"

#include <array>
#include <cmath>

namespace easel {

cv::Rect mapped_box(const TextLayer& layer) {
  if (layer.coverage.empty()) return {};
  const auto w = static_cast<double>(layer.coverage.cols), h = static_cast<double>(layer.coverage.rows);
  const std::array<cv::Vec3d, 4> corners{cv::Vec3d(0, 0, 1), cv::Vec3d(w, 0, 1), cv::Vec3d(w, h, 1),
                                         cv::Vec3d(0, h, 1)};
  double left = 1e18, top = 1e18, right = -1e18, bottom = -1e18;
  for (const cv::Vec3d& corner : corners) {
    const cv::Vec3d p = layer.to_image * corner;
    const double x = p[0] / p[2], y = p[1] / p[2];
    left = std::min(left, x), right = std::max(right, x), top = std::min(top, y), bottom = std::max(bottom, y);
  }
  const int x0 = static_cast<int>(std::floor(left + 1e-6)), y0 = static_cast<int>(std::floor(top + 1e-6));
  return {x0, y0, static_cast<int>(std::ceil(right - 1e-6)) - x0, static_cast<int>(std::ceil(bottom - 1e-6)) - y0};
}

void transform_layer(TextLayer& layer, const cv::Matx33d& transform) {
  layer.to_image = transform * layer.to_image;
  layer.box = mapped_box(layer);
}

}  // namespace easel
