#pragma once
// CIELAB views of an image, shared by the colour ops that must change colour without touching lightness
// (recolour, colour matching, colour-range regions).
#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

// CV_32FC3: L in 0..100, a and b roughly -128..127 (OpenCV's float conversion, D65).
cv::Mat to_lab(const Image& image);

// Back to an 8-bit RGBA image with the alpha channel of `alpha_from`. Colours outside the sRGB gamut
// lose chroma (hue and lightness kept) until they fit, instead of being clipped per channel, which would
// shift their lightness.
Image from_lab(cv::Mat lab, const Image& alpha_from);

// The mean of each channel of `values` weighted by `weight` (CV_32F, 0..1), and the weights' sum.
struct WeightedStats {
  cv::Scalar mean;
  cv::Scalar stddev;
  double total_weight = 0;
};
WeightedStats weighted_stats(const cv::Mat& values, const cv::Mat& weight);

}  // namespace easel
