#pragma once
// The out-of-focus background shared by background.blur and background.replace's blur fill.
#include <opencv2/core.hpp>

namespace easel {

// Blurs `rgba8` (CV_8UC4) as a lens would render an out-of-focus background: a disc-shaped kernel of
// `radius` pixels, applied in linear light so highlights open into bright discs. Each pixel is a
// weighted mean of nearby pixels by `background` (CV_32F, 0..1), so the subject's colours do not bleed
// into the blurred area around it. Alpha is kept.
cv::Mat lens_blur(const cv::Mat& rgba8, const cv::Mat& background, double radius);

// The blur radius in pixels for a strength in [0, 1]: up to 4 % of the image's longer side.
double lens_blur_radius(cv::Size size, double strength);

}  // namespace easel
