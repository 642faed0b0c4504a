#pragma once
// Colour-range regions ("the red areas"): which pixels look like a named or hex colour.
#include <string>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel {

// Weight (CV_32F, 0..1) of each pixel for the colour `color` (a name or hex, as parse_color takes) with
// `tolerance` (default 20):
// - a basic colour word (red, orange, yellow, green, cyan, blue, purple, violet, magenta) selects its hue
//   family — the span of hues people call by that name (HSV hue; e.g. red is -20°..10°, blue 195°..255°),
//   fading over tolerance/4 degrees beyond it — among pixels colourful enough to have a hue (HSV saturation
//   from 0.2, full at 0.3; value from 0.06, full at 0.12). So "red" finds a red motorcycle in shadow and in
//   highlight, where it is far from #ff0000 in every distance, but not the brown wood behind it;
// - any other colourful colour (a hex, "navy", "teal") selects hues within 0.4 × tolerance degrees of
//   its own (fading to 0 at 0.7 × tolerance), among pixels at least half as saturated as it;
// - a neutral colour (white, grey, black, HSV saturation below 0.15) selects by CIE76 distance: within
//   `tolerance` ΔE gets 1, fading to 0 at 1.5 × tolerance (hue is meaningless for greys).
cv::Mat color_range_weight(const Image& image, const std::string& color, double tolerance);

}  // namespace easel
