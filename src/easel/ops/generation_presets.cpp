#include "easel/ops/generation_presets.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

#include "easel/core/error.hpp"
#include "easel/ops/generation_engine.hpp"

namespace easel {

// Steps and samplers: DPM++ 2M reaches a clean image in fewer steps than Euler (10 is usable, 20 is
// converged for most prompts); Karras sigmas spend the extra steps of "high" on fine detail. Sides:
// 512 is SD1.x's training resolution; 384 halves the cost at the price of detail; 768 is SD2.x-768's
// (SD1.x models start repeating subjects above about 640, so take medium for them).
const std::vector<QualityPreset>& quality_presets() {
  static const std::vector<QualityPreset> presets = {
      {"low", 10, "dpmpp_2m", 384, "fast drafts: 10 DPM++ 2M steps, about 384x384 pixels"},
      {"medium", 20, "dpmpp_2m", 512, "20 DPM++ 2M steps, about 512x512 pixels (SD1.x's training size)"},
      {"high", 40, "dpmpp_2m_karras", 768,
       "40 DPM++ 2M Karras steps, about 768x768 pixels (SD2.x-768's training size)"},
      {"auto", 20, "", 512, "the model's own scheduler, 20 steps, about 512x512 pixels (the defaults)"},
  };
  return presets;
}

const QualityPreset& quality_preset(const std::string& name) {
  const auto& presets = quality_presets();
  const auto found =
      std::find_if(presets.begin(), presets.end(), [&](const QualityPreset& p) { return p.name == name; });
  if (found == presets.end())
    throw Error(ErrorKind::usage, "quality \"" + name + "\" is not one of low, medium, high, auto");
  return *found;
}

const std::vector<AspectPreset>& aspect_presets() {
  static const std::vector<AspectPreset> presets = {
      {"square", 1, 1}, {"landscape", 3, 2},  {"portrait", 2, 3}, {"widescreen", 16, 9}, {"tall", 9, 16},
      {"story", 9, 16}, {"ultrawide", 21, 9}, {"photo", 4, 3},    {"instagram", 4, 5},
  };
  return presets;
}

cv::Size preset_size(const std::string& aspect, int side) {
  double ratio = 0;
  const auto& presets = aspect_presets();
  const auto named =
      std::find_if(presets.begin(), presets.end(), [&](const AspectPreset& p) { return p.name == aspect; });
  static const std::regex written(R"((\d{1,3}):(\d{1,3}))");
  std::smatch match;
  if (named != presets.end()) {
    ratio = static_cast<double>(named->width) / named->height;
  } else if (std::regex_match(aspect, match, written) && std::stoi(match[2]) > 0 && std::stoi(match[1]) > 0) {
    ratio = std::stod(match[1]) / std::stod(match[2]);
  }
  if (ratio <= 0) {
    std::string names;
    for (const auto& p : presets) names += (names.empty() ? "" : ", ") + p.name;
    throw Error(ErrorKind::usage, "aspect \"" + aspect + "\" is not W:H (e.g. 16:9) or one of " + names);
  }
  if (ratio < 0.25 || ratio > 4) throw Error(ErrorKind::usage, "aspect " + aspect + " is more extreme than 1:4 or 4:1");
  const auto to_64 = [](double pixels) {
    return std::clamp(static_cast<int>(std::lround(pixels / 64)) * 64, 64, max_generation_side);
  };
  const double area = static_cast<double>(side) * side;
  return {to_64(std::sqrt(area * ratio)), to_64(std::sqrt(area / ratio))};
}

}  // namespace easel
