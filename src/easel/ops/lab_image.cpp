#include "easel/ops/lab_image.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace easel {

cv::Mat to_lab(const Image& image) {
  cv::Mat rgb, lab;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  rgb.convertTo(rgb, CV_32F, 1.0 / 255);
  cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
  return lab;
}

namespace {

// Rounding to 8 bits absorbs this much.
constexpr float kGamutSlack = 0.5f / 255;

// Whether a CIELAB colour lies outside sRGB. OpenCV's float Lab→RGB clamps its result, so it cannot tell;
// this is the same conversion (D65 white, sRGB primaries) stopped at linear RGB, whose [0, 1] range is
// the gamut (the transfer curve is monotonic).
bool outside_gamut(const cv::Vec3f& lab) {
  const auto f_inverse = [](double t) {
    return t > 6.0 / 29 ? t * t * t : 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0 / 29);
  };
  const double fy = (lab[0] + 16) / 116.0;
  const double x = 0.950456 * f_inverse(fy + lab[1] / 500.0), y = f_inverse(fy),
               z = 1.088754 * f_inverse(fy - lab[2] / 200.0);
  const double r = 3.240479 * x - 1.53715 * y - 0.498535 * z;
  const double g = -0.969256 * x + 1.875991 * y + 0.041556 * z;
  const double b = 0.055648 * x - 0.204043 * y + 1.057311 * z;
  const double low = -kGamutSlack, high = 1 + kGamutSlack;
  return r < low || g < low || b < low || r > high || g > high || b > high;
}

// Each colour outside sRGB keeps the largest fraction of its chroma (a, b) that fits, found by bisection;
// a chroma of 0 always fits once L is within 0..100.
void reduce_chroma_into_gamut(cv::Mat& lab) {
  constexpr int kBisections = 12;
  lab.forEach<cv::Vec3f>([](cv::Vec3f& pixel, const int*) {
    pixel[0] = std::clamp(pixel[0], 0.0f, 100.0f);
    if (!outside_gamut(pixel)) return;
    float low = 0, high = 1;
    for (int step = 0; step < kBisections; ++step) {
      const float mid = (low + high) / 2;
      (outside_gamut(cv::Vec3f(pixel[0], pixel[1] * mid, pixel[2] * mid)) ? high : low) = mid;
    }
    pixel[1] *= low;
    pixel[2] *= low;
  });
}

}  // namespace

Image from_lab(cv::Mat lab, const Image& alpha_from) {
  reduce_chroma_into_gamut(lab);
  cv::Mat rgb;
  cv::cvtColor(lab, rgb, cv::COLOR_Lab2RGB);
  cv::Mat rgb8;
  rgb.convertTo(rgb8, CV_8U, 255);
  const cv::Mat source = alpha_from.to_rgba8().mat();
  cv::Mat rgba(source.size(), CV_8UC4);
  const int from_to[] = {0, 0, 1, 1, 2, 2, 6, 3};  // source alpha is channel 6 of the pair
  const cv::Mat inputs[] = {rgb8, source};
  cv::mixChannels(inputs, 2, &rgba, 1, from_to, 4);
  return Image(rgba);
}

WeightedStats weighted_stats(const cv::Mat& values, const cv::Mat& weight) {
  const int channels = values.channels();
  cv::Mat as_float;
  values.convertTo(as_float, CV_MAKETYPE(CV_64F, channels));
  cv::Mat weight64;
  weight.convertTo(weight64, CV_64F);
  WeightedStats stats;
  stats.total_weight = cv::sum(weight64)[0];
  if (stats.total_weight <= 0) return stats;
  std::vector<cv::Mat> planes;
  cv::split(as_float, planes);
  for (int c = 0; c < channels && c < 4; ++c) {
    const cv::Mat& plane = planes[static_cast<std::size_t>(c)];
    const double mean = plane.dot(weight64) / stats.total_weight;
    const double mean_square = plane.mul(plane).dot(weight64) / stats.total_weight;
    stats.mean[c] = mean;
    stats.stddev[c] = std::sqrt(std::max(0.0, mean_square - mean * mean));
  }
  return stats;
}

}  // namespace easel
