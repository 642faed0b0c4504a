#include "easel/ops/seam.hpp"

#include <cstdlib>

namespace easel {

std::optional<SeamMeasure> measure_seam(const Image& source, const Image& result, const cv::Mat& edited) {
  if (source.width() != result.width() || source.height() != result.height() || edited.size() != result.mat().size())
    return std::nullopt;
  const cv::Mat before = source.to_rgba8().mat();
  const cv::Mat after = result.to_rgba8().mat();
  SeamMeasure seam;
  double result_sum = 0;
  double source_sum = 0;
  const auto add_pair = [&](int y, int x, int ny, int nx) {
    const auto& a = after.at<cv::Vec4b>(y, x);
    const auto& b = after.at<cv::Vec4b>(ny, nx);
    const auto& c = before.at<cv::Vec4b>(y, x);
    const auto& d = before.at<cv::Vec4b>(ny, nx);
    for (int channel = 0; channel < 3; ++channel) {
      result_sum += std::abs(int(a[channel]) - int(b[channel]));
      source_sum += std::abs(int(c[channel]) - int(d[channel]));
    }
    ++seam.boundary_pairs;
  };
  for (int y = 0; y < edited.rows; ++y) {
    for (int x = 0; x < edited.cols; ++x) {
      if (edited.at<uchar>(y, x) == 0) continue;
      if (x > 0 && edited.at<uchar>(y, x - 1) == 0) add_pair(y, x, y, x - 1);
      if (x + 1 < edited.cols && edited.at<uchar>(y, x + 1) == 0) add_pair(y, x, y, x + 1);
      if (y > 0 && edited.at<uchar>(y - 1, x) == 0) add_pair(y, x, y - 1, x);
      if (y + 1 < edited.rows && edited.at<uchar>(y + 1, x) == 0) add_pair(y, x, y + 1, x);
    }
  }
  if (seam.boundary_pairs == 0) return std::nullopt;
  const double values = 3.0 * static_cast<double>(seam.boundary_pairs);
  seam.result_step = result_sum / values;
  seam.source_step = source_sum / values;
  return seam;
}

nlohmann::json seam_to_json(const std::optional<SeamMeasure>& seam) {
  if (!seam) return nullptr;
  return {
      {"boundary_pairs", seam->boundary_pairs}, {"result_step", seam->result_step}, {"source_step", seam->source_step}};
}

}  // namespace easel
