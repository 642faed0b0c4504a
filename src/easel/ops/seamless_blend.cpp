#include "easel/ops/seamless_blend.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/stitching/detail/blenders.hpp>

namespace easel {

cv::Mat alpha_paste(const cv::Mat& base, const cv::Mat& patch, cv::Point origin, double opacity) {
  cv::Mat result = base.clone();
  cv::Mat area = result(cv::Rect(origin, patch.size()));
  for (int y = 0; y < patch.rows; ++y) {
    const auto* top = patch.ptr<cv::Vec4b>(y);
    auto* under = area.ptr<cv::Vec4b>(y);
    for (int x = 0; x < patch.cols; ++x) {
      const double a = top[x][3] / 255.0 * opacity;
      if (a <= 0) continue;
      const double under_alpha = under[x][3] / 255.0;
      const double out_alpha = a + under_alpha * (1 - a);
      for (int c = 0; c < 3; ++c) {
        under[x][c] = cv::saturate_cast<uchar>((top[x][c] * a + under[x][c] * under_alpha * (1 - a)) / out_alpha);
      }
      under[x][3] = cv::saturate_cast<uchar>(out_alpha * 255);
    }
  }
  return result;
}

cv::Mat poisson_paste(const cv::Mat& base, const cv::Mat& patch, cv::Point origin) {
  cv::Mat mask;
  cv::extractChannel(patch, mask, 3);
  cv::threshold(mask, mask, 127, 255, cv::THRESH_BINARY);
  // The outermost ring of the patch is the Poisson problem's boundary: it keeps the base's pixels.
  cv::rectangle(mask, cv::Rect(0, 0, mask.cols, mask.rows), cv::Scalar(0), 1);
  cv::Mat result = base.clone();
  if (cv::countNonZero(mask) == 0) return result;
  cv::Mat base_rgb, patch_rgb, blended;
  cv::cvtColor(base, base_rgb, cv::COLOR_RGBA2RGB);
  cv::cvtColor(patch, patch_rgb, cv::COLOR_RGBA2RGB);
  // seamlessClone centres the mask's bounding box on `center`; pass that box's centre in base coordinates.
  const cv::Rect inner = cv::boundingRect(mask);
  const cv::Point center(origin.x + inner.x + inner.width / 2, origin.y + inner.y + inner.height / 2);
  cv::seamlessClone(patch_rgb, base_rgb, mask, center, blended, cv::NORMAL_CLONE);
  cv::Mat blended_rgba;
  cv::cvtColor(blended, blended_rgba, cv::COLOR_RGB2RGBA);
  cv::Mat alpha;
  cv::extractChannel(base, alpha, 3);
  cv::insertChannel(alpha, blended_rgba, 3);
  const cv::Rect placed(origin, patch.size());
  blended_rgba(placed).copyTo(result(placed), mask);
  return result;
}

cv::Mat multiband_blend(const cv::Mat& base, const cv::Mat& overlay, const cv::Mat& mask, int bands) {
  cv::detail::MultiBandBlender blender(false, bands);
  const cv::Rect area(0, 0, base.cols, base.rows);
  blender.prepare(area);
  cv::Mat inside = mask != 0;
  const cv::Mat outside = mask == 0;
  for (const auto& [image, where] : {std::pair{base, outside}, std::pair{overlay, inside}}) {
    cv::Mat rgb, rgb16;
    cv::cvtColor(image, rgb, cv::COLOR_RGBA2RGB);
    rgb.convertTo(rgb16, CV_16SC3);
    blender.feed(rgb16, where, cv::Point(0, 0));
  }
  cv::Mat blended, blended_mask;
  blender.blend(blended, blended_mask);
  cv::Mat rgb;
  blended.convertTo(rgb, CV_8UC3);
  cv::Mat result;
  cv::cvtColor(rgb, result, cv::COLOR_RGB2RGBA);
  cv::Mat alpha = cv::Mat(base.size(), CV_8U);
  cv::extractChannel(base, alpha, 3);
  cv::Mat overlay_alpha;
  cv::extractChannel(overlay, overlay_alpha, 3);
  overlay_alpha.copyTo(alpha, inside);
  cv::insertChannel(alpha, result, 3);
  return result;
}

}  // namespace easel
