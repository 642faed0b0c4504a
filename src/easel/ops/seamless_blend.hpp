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
// Burt–Adelson multi-band blending (OpenCV's cv::detail::MultiBandBlender): `overlay` where `mask`
// (CV_8U) is non-zero, `base` elsewhere, each frequency band mixed over a width that grows with its
// scale, so a colour or brightness difference fades over a wide band while detail stays sharp.
// `base`/`overlay` CV_8UC4 of one size; alpha is taken from `overlay` inside the mask, `base` outside.
// `bands` ≥ 1 (OpenCV caps it at log2 of the larger side).
cv::Mat multiband_blend(const cv::Mat& base, const cv::Mat& overlay, const cv::Mat& mask, int bands);

}  // namespace easel
