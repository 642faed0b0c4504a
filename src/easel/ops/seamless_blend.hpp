#pragma once
// Pasting one picture into another: plain alpha compositing, or Poisson ("seamless") blending, which
// keeps the pasted picture's detail (its gradients) but takes its colour and brightness from what
// surrounds it, so a patch shot in other light sits in the scene without a visible edge.
#include <opencv2/core.hpp>

namespace easel {

// `base` and `patch` are CV_8UC4 RGBA; `patch` lands with its top-left corner at `origin` and must lie
// inside `base`. Only pixels under the patch's opaque part (alpha ≥ 128 for Poisson, alpha > 0 for alpha
// compositing) change. `opacity` (0..1) scales the patch's alpha.
cv::Mat alpha_paste(const cv::Mat& base, const cv::Mat& patch, cv::Point origin, double opacity);
// OpenCV's cv::seamlessClone (NORMAL_CLONE), made safe at the image border, where OpenCV's solver needs
// a one-pixel frame of known pixels around the pasted area.
cv::Mat poisson_paste(const cv::Mat& base, const cv::Mat& patch, cv::Point origin);

}  // namespace easel
