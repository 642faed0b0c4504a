#include "easel/ops/color.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

namespace easel {
namespace {

// CSS-style names people use in edit requests. No library in the dependency set carries a colour-name
// table, so this short one is kept here.
constexpr std::array<std::pair<const char*, unsigned>, 48> kNamedColors{{
    {"black", 0x000000},    {"white", 0xffffff},     {"red", 0xff0000},       {"green", 0x008000},
    {"lime", 0x00ff00},     {"blue", 0x0000ff},      {"yellow", 0xffff00},    {"cyan", 0x00ffff},
    {"magenta", 0xff00ff},  {"gray", 0x808080},      {"grey", 0x808080},      {"silver", 0xc0c0c0},
    {"maroon", 0x800000},   {"olive", 0x808000},     {"purple", 0x800080},    {"teal", 0x008080},
    {"navy", 0x000080},     {"navyblue", 0x000080},  {"orange", 0xffa500},    {"gold", 0xffd700},
    {"pink", 0xffc0cb},     {"hotpink", 0xff69b4},   {"brown", 0x8b4513},     {"beige", 0xf5f5dc},
    {"ivory", 0xfffff0},    {"cream", 0xfffdd0},     {"tan", 0xd2b48c},       {"coral", 0xff7f50},
    {"salmon", 0xfa8072},   {"crimson", 0xdc143c},   {"violet", 0xee82ee},    {"indigo", 0x4b0082},
    {"lavender", 0xe6e6fa}, {"turquoise", 0x40e0d0}, {"skyblue", 0x87ceeb},   {"lightblue", 0xadd8e6},
    {"darkblue", 0x00008b}, {"royalblue", 0x4169e1}, {"darkgreen", 0x006400}, {"lightgreen", 0x90ee90},
    {"mint", 0x98ff98},     {"charcoal", 0x36454f},  {"lightgray", 0xd3d3d3}, {"lightgrey", 0xd3d3d3},
    {"darkgray", 0xa9a9a9}, {"darkgrey", 0xa9a9a9},  {"burgundy", 0x800020},  {"khaki", 0xf0e68c},
}};

std::string normalised_name(const std::string& text) {
  std::string name;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '_') continue;
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return name;
}

std::optional<cv::Scalar> parse_hex(const std::string& text) {
  std::string digits = text.substr(1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    return std::nullopt;
  }
  if (digits.size() == 3) digits = {digits[0], digits[0], digits[1], digits[1], digits[2], digits[2]};
  if (digits.size() == 6) digits += "ff";
  if (digits.size() != 8) return std::nullopt;
  unsigned long value = std::stoul(digits, nullptr, 16);
  return cv::Scalar(static_cast<double>((value >> 24) & 0xff), static_cast<double>((value >> 16) & 0xff),
                    static_cast<double>((value >> 8) & 0xff), static_cast<double>(value & 0xff));
}

}  // namespace

std::optional<cv::Scalar> parse_color(const std::string& text) {
  if (!text.empty() && text[0] == '#') return parse_hex(text);
  std::string name = normalised_name(text);
  for (const auto& [known, rgb] : kNamedColors) {
    if (name == known) {
      return cv::Scalar((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, 255);
    }
  }
  return std::nullopt;
}

std::string color_to_hex(const cv::Scalar& rgba) {
  char buffer[10];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x%02x", static_cast<int>(rgba[0]), static_cast<int>(rgba[1]),
                static_cast<int>(rgba[2]), static_cast<int>(rgba[3]));
  return buffer;
}

const std::vector<std::string>& known_color_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> all;
    for (const auto& entry : kNamedColors) all.emplace_back(entry.first);
    return all;
  }();
  return names;
}

}  // namespace easel
