#include "easel/ops/background_lens_blur.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace easel {
namespace {

cv::Mat srgb_to_linear_table() {
  cv::Mat table(1, 256, CV_32F);
  for (int i = 0; i < 256; ++i) {
    const double v = i / 255.0;
    table.at<float>(0, i) = static_cast<float>(v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4));
  }
  return table;
}

cv::Mat linear_to_srgb8(const cv::Mat& linear) {
  cv::Mat clipped = cv::max(cv::min(linear, 1.0), 0.0);
  cv::Mat low = clipped * 12.92, high;
  cv::pow(clipped, 1 / 2.4, high);
  high = high * 1.055 - 0.055;
  cv::Mat encoded = high.clone();
  low.copyTo(encoded, clipped <= 0.0031308);
  cv::Mat result;
  encoded.convertTo(result, CV_8U, 255);
  return result;
}

}  // namespace

double lens_blur_radius(cv::Size size, double strength) {
  return std::max(1.0, strength * 0.04 * std::max(size.width, size.height));
}

cv::Mat lens_blur(const cv::Mat& rgba8, const cv::Mat& background, double radius) {
  std::vector<cv::Mat> channels;
  cv::split(rgba8, channels);
  static const cv::Mat table = srgb_to_linear_table();
  // A large disc costs radius² per pixel; past a radius of 16 the work happens on a copy smaller by a
  // whole factor (the result is smooth at that scale anyway; a fractional factor would leave a faint
  // resampling ripple) and is scaled back.
  const double shrink = std::max(1.0, std::floor(radius / 8));
  const cv::Size small(std::max(1, static_cast<int>(std::lround(rgba8.cols / shrink))),
                       std::max(1, static_cast<int>(std::lround(rgba8.rows / shrink))));
  const int disc = std::max(1, static_cast<int>(std::lround(radius / shrink)));
  cv::Mat kernel;
  cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * disc + 1, 2 * disc + 1)).convertTo(kernel, CV_32F);
  kernel /= cv::sum(kernel)[0];
  cv::Mat weight_small, weight_blurred;
  cv::resize(background, weight_small, small, 0, 0, cv::INTER_AREA);
  cv::filter2D(weight_small, weight_blurred, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
  cv::resize(weight_blurred, weight_blurred, rgba8.size(), 0, 0, cv::INTER_LINEAR);
  const cv::Mat valid = weight_blurred > 1e-4;
  cv::Mat safe_weight = cv::max(weight_blurred, 1e-4);
  for (int c = 0; c < 3; ++c) {
    cv::Mat lookup;
    cv::LUT(channels[static_cast<size_t>(c)], table, lookup);
    cv::Mat weighted = lookup.mul(background), small_channel, blurred;
    cv::resize(weighted, small_channel, small, 0, 0, cv::INTER_AREA);
    cv::filter2D(small_channel, blurred, CV_32F, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    cv::resize(blurred, blurred, rgba8.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat mean = blurred / safe_weight;
    lookup.copyTo(mean, ~valid);  // no background nearby (deep inside the subject): keep the pixel
    channels[static_cast<size_t>(c)] = linear_to_srgb8(mean);
  }
  cv::Mat result;
  cv::merge(channels, result);
  return result;
}

}  // namespace easel
