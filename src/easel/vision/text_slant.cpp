#include "easel/vision/text_slant.hpp"

#include <cmath>
#include <numbers>
#include <vector>

namespace easel {

// No library measures text slant. Shearing the text upright makes its vertical strokes fall into few
// columns, so the column profile of the text pixels is sharpest (largest sum of squares) at the shear
// that undoes the slant.
double measure_slant_degrees(const cv::Mat& text_pixels) {
  CV_Assert(text_pixels.type() == CV_8U);
  std::vector<cv::Point> points;
  cv::findNonZero(text_pixels, points);
  if (points.size() < 16) return 0;
  const int bottom = text_pixels.rows - 1;
  const double reach = 2.0 * text_pixels.rows;  // how far a ±30° shear moves the top row, with margin
  std::vector<double> columns(static_cast<std::size_t>(text_pixels.cols + 2 * reach) + 1);
  double best_score = -1, best_degrees = 0;
  // 0°, +0.5°, -0.5°, +1°, …: on a tie (text without vertical strokes) the smallest lean wins.
  for (int i = 0; i <= 120; ++i) {
    const double degrees = (i % 2 == 1 ? 0.5 : -0.5) * ((i + 1) / 2);
    const double shear = std::tan(degrees * std::numbers::pi / 180);
    std::fill(columns.begin(), columns.end(), 0.0);
    for (const cv::Point& p : points) {
      const double upright_x = p.x - shear * (bottom - p.y) + reach;
      columns[static_cast<std::size_t>(std::lround(upright_x))] += 1;
    }
    double score = 0;
    for (const double count : columns) score += count * count;
    if (score > best_score) {
      best_score = score;
      best_degrees = degrees;
    }
  }
  return best_degrees;
}

}  // namespace easel
