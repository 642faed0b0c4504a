#pragma once
// Colour values given by users: hex strings and a table of common names.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

// RGBA 0..255. Accepts "#rgb", "#rrggbb", "#rrggbbaa" and the names in known_color_names(); case and
// spaces/hyphens in names do not matter ("Navy Blue" = "navyblue"). Empty when not a colour.
std::optional<cv::Scalar> parse_color(const std::string& text);
std::string color_to_hex(const cv::Scalar& rgba);  // "#rrggbbaa"
const std::vector<std::string>& known_color_names();

}  // namespace easel
