#include "easel/typeset/text_composite.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace easel {
namespace {

const std::array<float, 256>& to_linear() {
  static const std::array<float, 256> table = [] {
    std::array<float, 256> values{};
    for (std::size_t i = 0; i < 256; ++i) {
      const double v = static_cast<double>(i) / 255;
      values[i] = static_cast<float>(v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4));
    }
    return values;
  }();
  return table;
}

// 4096 steps in linear light keep every 8-bit sRGB code reachable, dark tones included.
constexpr int kEncodeSteps = 4095;

const std::array<uchar, kEncodeSteps + 1>& to_srgb() {
  static const std::array<uchar, kEncodeSteps + 1> table = [] {
    std::array<uchar, kEncodeSteps + 1> values{};
    for (std::size_t i = 0; i <= kEncodeSteps; ++i) {
      const double v = static_cast<double>(i) / kEncodeSteps;
      const double encoded = v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055;
      values[i] = static_cast<uchar>(std::lround(std::clamp(encoded, 0.0, 1.0) * 255));
    }
    return values;
  }();
  return table;
}

uchar encode(float linear) {
  return to_srgb()[static_cast<std::size_t>(std::lround(std::clamp(linear, 0.0f, 1.0f) * kEncodeSteps))];
}

cv::Vec3f linear_of(const cv::Scalar& rgba) {
  const auto& lut = to_linear();
  return {lut[static_cast<std::size_t>(rgba[0])], lut[static_cast<std::size_t>(rgba[1])],
          lut[static_cast<std::size_t>(rgba[2])]};
}

float luminance(const cv::Vec3f& linear) { return 0.2126f * linear[0] + 0.7152f * linear[1] + 0.0722f * linear[2]; }

double contrast_ratio(double a, double b) { return (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05); }

// `layer` (CV_8U or CV_32F 0..1) placed with its (0, 0) at `offset`, cut to `window`, as CV_32F 0..1.
cv::Mat window_of(const cv::Mat& layer, cv::Point offset, const cv::Rect& window) {
  cv::Mat result(window.size(), CV_32F, cv::Scalar(0));
  const cv::Rect placed(offset, layer.size());
  const cv::Rect common = placed & window;
  if (common.empty()) return result;
  layer(common - offset).convertTo(result(common - window.tl()), CV_32F, layer.depth() == CV_8U ? 1.0 / 255 : 1.0);
  return result;
}

// Anti-aliased rounded rectangle: drawn at four times the resolution and averaged down.
cv::Mat rounded_box(cv::Size size, cv::Rect box, double radius) {
  constexpr int kSupersample = 4;
  cv::Mat large(size * kSupersample, CV_8U, cv::Scalar(0));
  const cv::Rect r(box.tl() * kSupersample, box.size() * kSupersample);
  const int rad = std::min({static_cast<int>(std::lround(radius * kSupersample)), r.width / 2, r.height / 2});
  cv::rectangle(large, cv::Rect(r.x + rad, r.y, r.width - 2 * rad, r.height), cv::Scalar(255), cv::FILLED);
  cv::rectangle(large, cv::Rect(r.x, r.y + rad, r.width, r.height - 2 * rad), cv::Scalar(255), cv::FILLED);
  for (const cv::Point corner :
       {cv::Point(r.x + rad, r.y + rad), cv::Point(r.x + r.width - rad - 1, r.y + rad),
        cv::Point(r.x + rad, r.y + r.height - rad - 1), cv::Point(r.x + r.width - rad - 1, r.y + r.height - rad - 1)}) {
    cv::circle(large, corner, rad, cv::Scalar(255), cv::FILLED);
  }
  cv::Mat small;
  cv::resize(large, small, size, 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F, 1.0 / 255);
  return small;
}

// Paints `color` over `linear` (CV_32FC3) with per-pixel `alpha` × `opacity`; `shade` (CV_32F, or empty)
// scales the colour per pixel.
void paint_layer(cv::Mat& linear, const cv::Mat& alpha, const cv::Vec3f& color, double opacity, cv::Mat& total_alpha,
                 const cv::Mat& shade = cv::Mat()) {
  const float strength = static_cast<float>(opacity);
  for (int y = 0; y < linear.rows; ++y) {
    auto* pixel = linear.ptr<cv::Vec3f>(y);
    const auto* a = alpha.ptr<float>(y);
    const auto* s = shade.empty() ? nullptr : shade.ptr<float>(y);
    auto* total = total_alpha.ptr<float>(y);
    for (int x = 0; x < linear.cols; ++x) {
      const float weight = a[x] * strength;
      if (weight <= 0) continue;
      const cv::Vec3f lit = s ? cv::Vec3f(std::min(1.0f, color[0] * s[x]), std::min(1.0f, color[1] * s[x]),
                                          std::min(1.0f, color[2] * s[x]))
                              : color;
      pixel[x] += (lit - pixel[x]) * weight;
      total[x] = weight + total[x] * (1 - weight);
    }
  }
}

// The light falling on the surface, relative to its average under the glyphs: the photo's luminance,
// blurred so its texture does not print through the letters, raised to `strength`.
cv::Mat surface_shade(const cv::Mat& linear, const cv::Mat& glyphs, double size_px, double strength) {
  cv::Mat luminance_map;
  cv::transform(linear, luminance_map, cv::Matx13f(0.2126f, 0.7152f, 0.0722f));
  cv::GaussianBlur(luminance_map, luminance_map, cv::Size(), std::max(1.0, size_px / 6));
  const double average = std::max(1e-4, cv::mean(luminance_map, glyphs > 0.5f)[0]);
  cv::Mat shade;
  cv::pow(cv::max(luminance_map / average, 0.05), strength, shade);
  return cv::min(shade, 4.0);
}

// Automatic fill: black or white, whichever contrasts more with what lies under the glyphs.
cv::Scalar automatic_fill(const cv::Mat& linear, const cv::Mat& fill_alpha) {
  double weighted = 0, weight = 0;
  for (int y = 0; y < linear.rows; ++y) {
    const auto* pixel = linear.ptr<cv::Vec3f>(y);
    const auto* a = fill_alpha.ptr<float>(y);
    for (int x = 0; x < linear.cols; ++x) {
      weighted += a[x] * luminance(pixel[x]);
      weight += a[x];
    }
  }
  const double under = weight > 0 ? weighted / weight : 0.5;
  return contrast_ratio(under, 0) > contrast_ratio(under, 1) ? cv::Scalar(0, 0, 0, 255)
                                                             : cv::Scalar(255, 255, 255, 255);
}

// Legibility: the fill against everything under it, at the pixels the glyphs cover (mean and 5th percentile).
void measure_legibility(const cv::Mat& linear, const cv::Mat& fill_alpha, const cv::Scalar& fill,
                        PaintedText& painted) {
  const float fill_luminance = luminance(linear_of(fill));
  std::vector<double> ratios;
  for (int y = 0; y < linear.rows; ++y) {
    const auto* pixel = linear.ptr<cv::Vec3f>(y);
    const auto* a = fill_alpha.ptr<float>(y);
    for (int x = 0; x < linear.cols; ++x) {
      if (a[x] >= 0.5f) ratios.push_back(contrast_ratio(fill_luminance, luminance(pixel[x])));
    }
  }
  if (ratios.empty()) return;
  double sum = 0;
  for (double r : ratios) sum += r;
  painted.contrast_ratio = sum / static_cast<double>(ratios.size());
  const auto p5 = ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 20);
  std::nth_element(ratios.begin(), p5, ratios.end());
  painted.contrast_ratio_p5 = *p5;
}

// Premultiplied colour glyphs (emoji) over the fill, each channel decoded to linear light.
void paint_color_glyphs(cv::Mat& linear, cv::Mat& total_alpha, const cv::Mat& color_glyphs, cv::Point offset,
                        cv::Rect window, double opacity) {
  const auto& lut = to_linear();
  const cv::Rect common = cv::Rect(offset, color_glyphs.size()) & window;
  for (int y = common.y; y < common.y + common.height; ++y) {
    const auto* glyph = color_glyphs.ptr<cv::Vec4b>(y - offset.y);
    auto* pixel = linear.ptr<cv::Vec3f>(y - window.y);
    auto* total = total_alpha.ptr<float>(y - window.y);
    for (int x = common.x; x < common.x + common.width; ++x) {
      const cv::Vec4b& g = glyph[x - offset.x];
      if (g[3] == 0) continue;
      const float weight = static_cast<float>(g[3] / 255.0 * opacity);
      const cv::Vec3f color{lut[std::min(255, g[0] * 255 / g[3])], lut[std::min(255, g[1] * 255 / g[3])],
                            lut[std::min(255, g[2] * 255 / g[3])]};
      auto& p = pixel[x - window.x];
      p += (color - p) * weight;
      auto& t = total[x - window.x];
      t = weight + t * (1 - weight);
    }
  }
}

// Only pixels some layer reached are written: the rest of the window stays bit-identical.
void write_painted(cv::Mat& image, cv::Rect window, const cv::Mat& linear, const cv::Mat& total_alpha) {
  for (int y = 0; y < window.height; ++y) {
    auto* out = image.ptr<cv::Vec4b>(window.y + y) + window.x;
    const auto* pixel = linear.ptr<cv::Vec3f>(y);
    const auto* total = total_alpha.ptr<float>(y);
    for (int x = 0; x < window.width; ++x) {
      if (total[x] <= 0) continue;
      out[x] = {encode(pixel[x][0]), encode(pixel[x][1]), encode(pixel[x][2]),
                static_cast<uchar>(std::lround(out[x][3] + (255 - out[x][3]) * total[x]))};
    }
  }
}

}  // namespace

int effect_margin(const TextPaint& paint) {
  const double reach = std::max(paint.outline_px, paint.box_padding_px) + paint.shadow_px + 3 * paint.shadow_blur_px;
  return static_cast<int>(std::ceil(reach)) + 2;
}

PaintedText paint_text(cv::Mat& image, const cv::Mat& coverage, const cv::Mat& color_glyphs, cv::Point offset,
                       cv::Rect ink, const TextPaint& paint) {
  PaintedText painted;
  if (ink.empty()) return painted;
  const int margin = effect_margin(paint);
  const cv::Rect ink_in_image = ink + offset;
  const cv::Rect window = cv::Rect(ink_in_image.x - margin, ink_in_image.y - margin, ink_in_image.width + 2 * margin,
                                   ink_in_image.height + 2 * margin) &
                          cv::Rect(0, 0, image.cols, image.rows);
  if (window.empty()) return painted;

  const auto& lut = to_linear();
  const cv::Mat patch = image(window);
  cv::Mat linear(window.size(), CV_32FC3);
  for (int y = 0; y < patch.rows; ++y) {
    const auto* in = patch.ptr<cv::Vec4b>(y);
    auto* out = linear.ptr<cv::Vec3f>(y);
    for (int x = 0; x < patch.cols; ++x) out[x] = {lut[in[x][0]], lut[in[x][1]], lut[in[x][2]]};
  }
  cv::Mat total_alpha(window.size(), CV_32F, cv::Scalar(0));
  const cv::Mat fill_alpha = window_of(coverage, offset, window);
  const cv::Rect local_ink = ink_in_image - window.tl();
  const cv::Mat shade =
      paint.lighting > 0 ? surface_shade(linear, fill_alpha, paint.size_px, paint.lighting) : cv::Mat();

  if (paint.box_color) {
    const int pad = static_cast<int>(std::lround(paint.box_padding_px));
    const cv::Rect box =
        cv::Rect(local_ink.x - pad, local_ink.y - pad, local_ink.width + 2 * pad, local_ink.height + 2 * pad) &
        cv::Rect(cv::Point(0, 0), window.size());
    const cv::Mat box_alpha = rounded_box(window.size(), box, paint.box_radius_px) * ((*paint.box_color)[3] / 255);
    paint_layer(linear, box_alpha, linear_of(*paint.box_color), paint.opacity, total_alpha);
  }

  const cv::Scalar fill = paint.fill.value_or(automatic_fill(linear, fill_alpha));
  painted.fill = fill;
  const bool light_fill = luminance(linear_of(fill)) > 0.18f;

  cv::Mat outline_alpha;
  if (paint.outline_px > 0) {
    const int radius = static_cast<int>(std::ceil(paint.outline_px));
    const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
    cv::dilate(fill_alpha, outline_alpha, kernel);
  }
  if (paint.shadow_px > 0 || paint.shadow_blur_px > 0) {
    cv::Mat caster = outline_alpha.empty() ? fill_alpha : cv::max(fill_alpha, outline_alpha);
    cv::Mat shadow(caster.size(), CV_32F, cv::Scalar(0));
    const int shift = static_cast<int>(std::lround(paint.shadow_px));
    const cv::Rect moved = cv::Rect(cv::Point(shift, shift), caster.size()) & cv::Rect(cv::Point(0, 0), caster.size());
    if (!moved.empty()) caster(moved - cv::Point(shift, shift)).copyTo(shadow(moved));
    if (paint.shadow_blur_px > 0) cv::GaussianBlur(shadow, shadow, cv::Size(), paint.shadow_blur_px);
    paint_layer(linear, shadow * (paint.shadow_color[3] / 255), linear_of(paint.shadow_color), paint.opacity,
                total_alpha);
  }
  if (!outline_alpha.empty()) {
    const cv::Scalar outline =
        paint.outline_color.value_or(light_fill ? cv::Scalar(0, 0, 0, 255) : cv::Scalar(255, 255, 255, 255));
    paint_layer(linear, outline_alpha * (outline[3] / 255), linear_of(outline), paint.opacity, total_alpha, shade);
  }

  measure_legibility(linear, fill_alpha, fill, painted);

  paint_layer(linear, fill_alpha * (fill[3] / 255), linear_of(fill), paint.opacity, total_alpha, shade);
  if (!color_glyphs.empty()) paint_color_glyphs(linear, total_alpha, color_glyphs, offset, window, paint.opacity);
  write_painted(image, window, linear, total_alpha);
  painted.changed = window;
  return painted;
}

void record_typeset_facts(TextLayer& layer, const TypesetText& typeset_text, const PaintedText& painted) {
  layer.size_px = typeset_text.size_px;
  layer.line_count = typeset_text.line_count;
  layer.fonts = typeset_text.fonts;
  layer.missing = typeset_text.missing;
  layer.substitution = typeset_text.substitution;
  layer.contrast_ratio = painted.contrast_ratio;
  layer.contrast_ratio_p5 = painted.contrast_ratio_p5;
}

}  // namespace easel
