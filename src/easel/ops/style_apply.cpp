// style.apply: classical stylisations from OpenCV's photo and xphoto modules (plus the few colour
// mappings they lack: sepia, duotone, vignette, cartoon's flat colours), on the whole image or a region.
// `strength` mixes the stylised image with the input. Generative styles arrive with the diffusion engine.
#include <algorithm>
#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>
#include <opencv2/xphoto.hpp>

#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"

namespace easel {
namespace {

// OpenCV's filters take their spatial sizes in pixels, tuned for images of about this short side; sizes
// are scaled with the image so a style looks the same at every resolution.
constexpr double kReferenceSide = 512;

double size_scale(const cv::Mat& image) { return std::min(image.cols, image.rows) / kReferenceSide; }

float clamp_sigma_s(double value) { return static_cast<float>(std::clamp(value, 1.0, 200.0)); }

// Graphite lines on white paper: the "colour dodge" of the grey image by its blurred negative keeps only
// where brightness changes (OpenCV's pencilSketch, tried first, shades whole areas with a dark, noisy
// texture). The colour version lays those lines over a smoothed, lightened copy of the photo.
cv::Mat pencil(const cv::Mat& bgr, bool colour) {
  cv::Mat grey, negative_blur, sketch;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::GaussianBlur(255 - grey, negative_blur, cv::Size(), std::max(2.0, 8 * size_scale(bgr)));
  cv::divide(grey, 255 - negative_blur, sketch, 256);
  cv::Mat result;
  if (!colour) {
    cv::cvtColor(sketch, result, cv::COLOR_GRAY2BGR);
    return result;
  }
  cv::Mat wash, sketch3;
  cv::edgePreservingFilter(bgr, wash, cv::RECURS_FILTER, clamp_sigma_s(40 * size_scale(bgr)), 0.4f);
  wash.convertTo(wash, -1, 0.7, 0.3 * 255);
  cv::cvtColor(sketch, sketch3, cv::COLOR_GRAY2BGR);
  cv::multiply(wash, sketch3, result, 1.0 / 255);
  return result;
}

cv::Mat oil(const cv::Mat& bgr) {
  const int size = std::max(2, static_cast<int>(std::lround(5 * size_scale(bgr))));
  cv::Mat result;
  cv::xphoto::oilPainting(bgr, result, size, 1, cv::COLOR_BGR2GRAY);
  return result;
}

// Flat colour areas (edge-preserving smoothing, then a few levels per channel) under dark outlines.
cv::Mat cartoon(const cv::Mat& bgr) {
  constexpr int kLevels = 6;
  cv::Mat smooth;
  cv::edgePreservingFilter(bgr, smooth, cv::RECURS_FILTER, clamp_sigma_s(60 * size_scale(bgr)), 0.4f);
  cv::Mat table(1, 256, CV_8U);
  for (int i = 0; i < 256; ++i) {
    const int level = i * kLevels / 256;
    table.at<uchar>(0, i) = cv::saturate_cast<uchar>((level + 0.5) * 256 / kLevels);
  }
  cv::LUT(smooth, table, smooth);
  cv::Mat grey, edges;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  const int blur = std::max(3, static_cast<int>(std::lround(5 * size_scale(bgr))) | 1);
  cv::medianBlur(grey, grey, blur);
  const int block = std::max(3, static_cast<int>(std::lround(9 * size_scale(bgr))) | 1);
  cv::adaptiveThreshold(grey, edges, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, block, 4);
  cv::Mat result(bgr.size(), bgr.type(), cv::Scalar::all(0));
  smooth.copyTo(result, edges);
  return result;
}

// Washes of colour: a smoothing that keeps edges, OpenCV's stylisation for soft outlines, lighter tones.
cv::Mat watercolor(const cv::Mat& bgr) {
  cv::Mat smooth, styled;
  cv::edgePreservingFilter(bgr, smooth, cv::NORMCONV_FILTER, clamp_sigma_s(60 * size_scale(bgr)), 0.45f);
  cv::stylization(smooth, styled, clamp_sigma_s(40 * size_scale(bgr)), 0.35f);
  cv::Mat result;
  styled.convertTo(result, -1, 0.85, 0.15 * 255);
  return result;
}

cv::Mat sepia(const cv::Mat& bgr) {
  // The usual sepia matrix (Microsoft's), in BGR order.
  const cv::Matx33f matrix(0.131f, 0.534f, 0.272f, 0.168f, 0.686f, 0.349f, 0.189f, 0.769f, 0.393f);
  cv::Mat result;
  cv::transform(bgr, result, matrix);
  return result;
}

// Lightness drives a blend from the dark colour (shadows) to the light one (highlights).
cv::Mat duotone(const cv::Mat& bgr, const cv::Scalar& dark_rgba, const cv::Scalar& light_rgba) {
  cv::Mat grey;
  cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  cv::Mat table(1, 256, CV_8UC3);
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0;
    auto& entry = table.at<cv::Vec3b>(0, i);
    for (int c = 0; c < 3; ++c)
      entry[c] = cv::saturate_cast<uchar>(dark_rgba[2 - c] + t * (light_rgba[2 - c] - dark_rgba[2 - c]));
  }
  cv::Mat grey3, result;
  cv::cvtColor(grey, grey3, cv::COLOR_GRAY2BGR);
  cv::LUT(grey3, table, result);
  return result;
}

// Darkens towards the corners: 1 − 0.8 r² with r = 1 at the corners of the frame (an ellipse that fits it).
cv::Mat vignette(const cv::Mat& bgr) {
  cv::Mat result(bgr.size(), bgr.type());
  const double cx = (bgr.cols - 1) / 2.0, cy = (bgr.rows - 1) / 2.0;
  const double norm = 1.0 / (cx * cx + cy * cy);
  cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range& rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      const auto* in = bgr.ptr<cv::Vec3b>(y);
      auto* out = result.ptr<cv::Vec3b>(y);
      for (int x = 0; x < bgr.cols; ++x) {
        const double r2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) * norm;
        const double factor = 1 - 0.8 * r2;
        for (int c = 0; c < 3; ++c) out[x][c] = cv::saturate_cast<uchar>(in[x][c] * factor);
      }
    }
  });
  return result;
}

cv::Mat stylize(const cv::Mat& bgr, const Params& p) {
  const std::string style = p.text("style");
  const double scale = size_scale(bgr);
  cv::Mat result;
  if (style == "stylize") {
    cv::stylization(bgr, result, clamp_sigma_s(60 * scale), 0.45f);
  } else if (style == "pencil") {
    result = pencil(bgr, false);
  } else if (style == "pencil-color") {
    result = pencil(bgr, true);
  } else if (style == "oil") {
    result = oil(bgr);
  } else if (style == "cartoon") {
    result = cartoon(bgr);
  } else if (style == "watercolor") {
    result = watercolor(bgr);
  } else if (style == "sepia") {
    result = sepia(bgr);
  } else if (style == "duotone") {
    result = duotone(bgr, p.color("dark"), p.color("light"));
  } else if (style == "vignette") {
    result = vignette(bgr);
  } else {
    cv::detailEnhance(bgr, result, clamp_sigma_s(10 * scale), 0.15f);
  }
  return result;
}

OpOutput apply_style(const Image& input, const Params& p, const RunContext&) {
  const cv::Mat source = input.to_rgba8().mat();
  cv::Mat bgr;
  cv::cvtColor(source, bgr, cv::COLOR_RGBA2BGR);
  cv::Mat styled = stylize(bgr, p);
  const double strength = p.number("strength");
  if (strength < 1) cv::addWeighted(styled, strength, bgr, 1 - strength, 0, styled);
  cv::Mat rgba;
  cv::cvtColor(styled, rgba, cv::COLOR_BGR2RGBA);
  cv::Mat alpha;
  cv::extractChannel(source, alpha, 3);
  cv::insertChannel(alpha, rgba, 3);
  return {Image(rgba), std::nullopt};
}

}  // namespace

void register_style_apply(Registry& registry) {
  OperationSpec spec;
  spec.name = "style.apply";
  spec.description =
      "Stylise the image or a region: painting, sketch, cartoon, watercolour, sepia, duotone, vignette, detail";
  spec.params = {
      make_choice("style",
                  "The look: stylize (OpenCV's painterly stylisation), pencil, pencil-color, oil, cartoon, "
                  "watercolor, sepia, duotone, vignette, detail (local contrast enhancement)",
                  {"stylize", "pencil", "pencil-color", "oil", "cartoon", "watercolor", "sepia", "duotone", "vignette",
                   "detail"},
                  "stylize"),
      make_param("strength", ParamType::number, "Mix with the original: 0 leaves it, 1 is the full style", 1.0, 0, 1),
      make_param("dark", ParamType::color, "Duotone: the colour of the shadows", "#1b2a49"),
      make_param("light", ParamType::color, "Duotone: the colour of the highlights", "#f4d58d"),
  };
  spec.regions = {RegionKind::all,   RegionKind::named,        RegionKind::box,  RegionKind::mask,
                  RegionKind::color, RegionKind::segmentation, RegionKind::text, RegionKind::object};
  spec.run = apply_style;
  registry.add(std::move(spec));
}

}  // namespace easel
