// color.adjust: tone and colour corrections, whole image or a region.
#include <array>
#include <cmath>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

double srgb_to_linear(double v) { return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); }
double linear_to_srgb(double v) { return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1 / 2.4) - 0.055; }

// Per-channel tone curve as a 256-entry table: exposure and warmth act in linear light (like a change
// of light or white balance), gamma, contrast and brightness on the encoded values.
cv::Mat tone_table(const Params& p) {
  const double exposure_gain = std::exp2(p.number("exposure"));
  const double warmth = p.number("warmth");
  const std::array<double, 3> white_balance{1 + 0.4 * warmth, 1 + 0.05 * warmth, 1 - 0.4 * warmth};
  const double contrast = p.number("contrast");
  const double contrast_gain = 1 + contrast;
  const double inverse_gamma = 1 / p.number("gamma");
  const double brightness = p.number("brightness") * 0.5;
  cv::Mat table(1, 256, CV_8UC4);
  for (int i = 0; i < 256; ++i) {
    auto& entry = table.at<cv::Vec4b>(0, i);
    for (int c = 0; c < 3; ++c) {
      double v = i / 255.0;
      v = linear_to_srgb(std::min(1.0, srgb_to_linear(v) * exposure_gain * white_balance[static_cast<size_t>(c)]));
      v = std::pow(v, inverse_gamma);
      v = (v - 0.5) * contrast_gain + 0.5 + brightness;
      entry[c] = cv::saturate_cast<uchar>(std::lround(std::clamp(v, 0.0, 1.0) * 255));
    }
    entry[3] = static_cast<uchar>(i);
  }
  return table;
}

// Saturation and hue rotation as one colour matrix around the grey axis (Rec. 709 luma weights; the
// hue part is the SVG/CSS feColorMatrix hueRotate matrix, so results match what designers see in browsers);
// alpha passes through.
cv::Matx44f color_matrix(const Params& p) {
  const float lr = 0.2126f, lg = 0.7152f, lb = 0.0722f;
  const float s = static_cast<float>(1 + p.number("saturation"));
  // One matrix row per line.
  // clang-format off
  const cv::Matx33f saturation(lr * (1 - s) + s, lg * (1 - s), lb * (1 - s),
                               lr * (1 - s), lg * (1 - s) + s, lb * (1 - s),
                               lr * (1 - s), lg * (1 - s), lb * (1 - s) + s);
  // clang-format on
  const float angle = static_cast<float>(p.number("hue") * CV_PI / 180);
  const float cs = std::cos(angle), sn = std::sin(angle);
  const cv::Matx33f hue(lr + cs * (1 - lr) - sn * lr, lg - cs * lg - sn * lg, lb - cs * lb + sn * (1 - lb),
                        lr - cs * lr + sn * 0.143f, lg + cs * (1 - lg) + sn * 0.140f, lb - cs * lb - sn * 0.283f,
                        lr - cs * lr - sn * (1 - lr), lg - cs * lg + sn * lg, lb + cs * (1 - lb) + sn * lb);
  const cv::Matx33f m = hue * saturation;
  return cv::Matx44f(m(0, 0), m(0, 1), m(0, 2), 0, m(1, 0), m(1, 1), m(1, 2), 0, m(2, 0), m(2, 1), m(2, 2), 0, 0, 0, 0,
                     1);
}

OpOutput adjust(const Image& input, const Params& p, const RunContext&) {
  const cv::Mat source = input.to_rgba8().mat();
  const bool tone = p.number("exposure") != 0 || p.number("warmth") != 0 || p.number("contrast") != 0 ||
                    p.number("gamma") != 1 || p.number("brightness") != 0;
  const bool color = p.number("saturation") != 0 || p.number("hue") != 0;
  const cv::Mat table = tone ? tone_table(p) : cv::Mat();
  const cv::Matx44f matrix = color_matrix(p);
  cv::Mat result(source.size(), source.type());
  // Row stripes in parallel: cv::transform runs on one thread, and both passes stay in cache per stripe.
  cv::parallel_for_(cv::Range(0, source.rows), [&](const cv::Range& rows) {
    const cv::Mat in = source.rowRange(rows.start, rows.end);
    cv::Mat out = result.rowRange(rows.start, rows.end);
    if (tone) {
      cv::LUT(in, table, out);
    } else {
      in.copyTo(out);
    }
    if (color) cv::transform(out, out, matrix);
  });
  const double sharpen = p.number("sharpen");
  if (sharpen > 0) {
    cv::Mat blurred;
    const double sigma = std::max(1.0, std::min(result.cols, result.rows) / 1000.0);
    cv::GaussianBlur(result, blurred, cv::Size(), sigma);
    cv::addWeighted(result, 1 + sharpen, blurred, -sharpen, 0, result);
  }
  return {Image(result), std::nullopt};
}

}  // namespace

void register_color_adjust(Registry& registry) {
  OperationSpec spec;
  spec.name = "color.adjust";
  spec.description = "Adjust brightness, contrast, saturation, warmth, hue, exposure, gamma and sharpness";
  spec.params = {
      make_param("brightness", ParamType::number, "Shift of all tones; +1 adds half the range", 0.0, -1, 1),
      make_param("contrast", ParamType::number, "Contrast change; -1 is flat grey, +1 doubles contrast", 0.0, -1, 1),
      make_param("saturation", ParamType::number, "Colourfulness; -1 is black and white, +1 doubles saturation", 0.0,
                 -1, 1),
      make_param("warmth", ParamType::number, "White balance; positive is warmer (more red, less blue)", 0.0, -1, 1),
      make_param("hue", ParamType::number, "Hue rotation", 0.0, -180, 180, "degrees"),
      make_param("exposure", ParamType::number, "Exposure change in linear light", 0.0, -5, 5, "stops"),
      make_param("gamma", ParamType::number, "Gamma; above 1 lifts the midtones", 1.0, 0.1, 10),
      make_param("sharpen", ParamType::number, "Unsharp-mask amount", 0.0, 0, 5),
  };
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box, RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::text};
  spec.run = adjust;
  registry.add(std::move(spec));
}

}  // namespace easel
