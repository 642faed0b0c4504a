#include "easel/run/text_in_output.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "easel/run/text_verifier.hpp"
#include "easel/vision/ocr.hpp"

namespace easel {
namespace {

// Coverage from which a glyph pixel counts as the letter itself (not its anti-aliased rim).
constexpr int kCoreCoverage = 224;
constexpr int kMinCorePixels = 20;
// The ring around the letters their contrast is measured against: from a pixel beyond them to this far, in ems.
constexpr double kRingEm = 0.08;
// A split view is made only when the letters and the darker ground differ by at least this many levels.
constexpr double kMinSplitLevels = 24;
// How far around the letters (in ems) the output is read.
constexpr double kNeighbourhoodEm = 0.1;
// How far beyond a line's ink box (in ems) the output is read.
constexpr double kLineMarginEm = 0.05;

double median_of(std::vector<float> values) {
  if (values.empty()) return 0;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

std::vector<float> values_where(const cv::Mat& values, const cv::Mat& mask) {
  std::vector<float> picked;
  for (int y = 0; y < values.rows; ++y) {
    const auto* v = values.ptr<float>(y);
    const auto* m = mask.ptr<uchar>(y);
    for (int x = 0; x < values.cols; ++x) {
      if (m[x]) picked.push_back(v[x]);
    }
  }
  return picked;
}

// WCAG relative luminance of each pixel of an RGBA image, CV_32F.
cv::Mat relative_luminance(const cv::Mat& rgba) {
  static const cv::Mat to_linear = [] {
    cv::Mat lut(1, 256, CV_32F);
    for (int i = 0; i < 256; ++i) {
      const double v = i / 255.0;
      lut.at<float>(i) = static_cast<float>(v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4));
    }
    return lut;
  }();
  cv::Mat decoded;
  cv::LUT(rgba, to_linear, decoded);
  cv::Mat luminance;
  cv::transform(decoded, luminance, cv::Matx14f(0.2126f, 0.7152f, 0.0722f, 0));
  return luminance;
}

// Which pixels of the layer frame (the coverage padded by `pad`) map inside the output.
cv::Mat inside_output(const cv::Matx33d& frame_to_output, cv::Size frame, cv::Size output) {
  cv::Mat inside(frame, CV_8U, cv::Scalar(0));
  for (int y = 0; y < frame.height; ++y) {
    auto* row = inside.ptr<uchar>(y);
    for (int x = 0; x < frame.width; ++x) {
      const cv::Vec3d p = frame_to_output * cv::Vec3d(x + 0.5, y + 0.5, 1);
      const double ox = p[0] / p[2], oy = p[1] / p[2];
      row[x] = ox >= 0 && oy >= 0 && ox < output.width && oy < output.height ? 255 : 0;
    }
  }
  return inside;
}

// The output brought into the layer's frame (its coverage, padded), and the masks reading uses there.
struct LayerFrame {
  int pad = 0;
  cv::Mat local;     // CV_8UC4: the output's pixels
  cv::Mat inside;    // CV_8U: which of them lie inside the output
  cv::Mat coverage;  // CV_8U: the glyphs, padded
  cv::Mat core;      // the letters' own pixels (inside the output)
  cv::Mat ring;      // a ring around the letters (inside the output)
  // Per line: the letters' neighbourhood within the line's ink box, and the letters grown by a pixel
  // (the tightest reading, inside an outline or a badge); what lies elsewhere is not read.
  std::vector<cv::Mat> readable, strokes;
};

cv::Mat grown(const cv::Mat& mask, int radius) {
  cv::Mat dilated;
  cv::dilate(mask, dilated, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1)));
  return dilated;
}

LayerFrame frame_of(const Image& output, const TextLayer& layer) {
  LayerFrame f;
  // Context around the glyphs (half the font size), so a ring around the letters lies inside the frame.
  f.pad = std::max(4, static_cast<int>(std::lround(0.5 * layer.size_px)));
  const int pad = f.pad;
  const cv::Size frame(layer.coverage.cols + 2 * pad, layer.coverage.rows + 2 * pad);
  const cv::Matx33d frame_to_output = layer.to_image * cv::Matx33d(1, 0, -pad, 0, 1, -pad, 0, 0, 1);
  cv::warpPerspective(output.to_rgba8().mat(), f.local, cv::Mat(frame_to_output), frame,
                      cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  f.inside = inside_output(frame_to_output, frame, output.mat().size());
  cv::copyMakeBorder(layer.coverage, f.coverage, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0));

  f.core = (f.coverage >= kCoreCoverage) & f.inside;
  if (cv::countNonZero(f.core) < kMinCorePixels) f.core = (f.coverage >= 128) & f.inside;
  const cv::Mat glyphs = f.coverage > 0;
  f.ring =
      grown(glyphs, std::max(2, static_cast<int>(std::lround(kRingEm * layer.size_px)))) & ~grown(glyphs, 1) & f.inside;

  // Only the letters' neighbourhood is read: farther pixels (a badge's edge, the photo beyond, the line
  // above) are not letters. This cannot make absent letters appear: where the letters are gone, their
  // own pixels look like the ring around them, and the contrast test fails.
  const int reach = std::max(2, static_cast<int>(std::lround(kNeighbourhoodEm * layer.size_px)));
  const int margin = std::max(2, static_cast<int>(std::lround(kLineMarginEm * layer.size_px)));
  for (const cv::Mat& line : glyphs_by_line(layer.coverage, layer.line_boxes)) {
    cv::Mat line_glyphs;
    cv::copyMakeBorder(line, line_glyphs, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(0));
    const cv::Rect ink = cv::boundingRect(line_glyphs);
    cv::Mat ink_box(frame, CV_8U, cv::Scalar(0));
    ink_box(cv::Rect(ink.x - margin, ink.y - margin, ink.width + 2 * margin, ink.height + 2 * margin) &
            cv::Rect(cv::Point(), frame))
        .setTo(255);
    f.readable.push_back(grown(line_glyphs, reach) & ink_box & f.inside);
    f.strokes.push_back(grown(line_glyphs, 1) & f.inside);
  }
  return f;
}

double quantile_of(std::vector<float> values, double q) {
  if (values.empty()) return 0;
  const auto at = values.begin() + static_cast<std::ptrdiff_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), at, values.end());
  return *at;
}

// Each pixel's colour distance from the letters' colour (the median colour of their own pixels).
cv::Mat distance_from_letters(const LayerFrame& f) {
  cv::Mat rgb;
  cv::cvtColor(f.local, rgb, cv::COLOR_RGBA2RGB);
  const cv::Scalar letters = [&] {
    std::vector<std::vector<float>> channels(3);
    for (int y = 0; y < rgb.rows; ++y) {
      for (int x = 0; x < rgb.cols; ++x) {
        if (!f.core.at<uchar>(y, x)) continue;
        for (int c = 0; c < 3; ++c) channels[static_cast<std::size_t>(c)].push_back(rgb.at<cv::Vec3b>(y, x)[c]);
      }
    }
    return cv::Scalar(median_of(channels[0]), median_of(channels[1]), median_of(channels[2]));
  }();
  cv::Mat difference, distance;
  cv::subtract(rgb, letters, difference, cv::noArray(), CV_32FC3);
  cv::Mat squared = difference.mul(difference);
  cv::transform(squared, distance, cv::Matx13f(1, 1, 1));
  cv::sqrt(distance, distance);
  return distance;
}

// A grey image of the frame with dark letters on a light ground, as OCR reads best, read line by line
// within one of the frame's per-line masks; what lies outside the mask takes `ground`.
struct Reading {
  cv::Mat image;
  const std::vector<cv::Mat>* masks;
  double ground;
};

// The readings tried in turn: the letters keyed by their colour (dark where a pixel is nearer the
// letters' colour than halfway to the ring's typical distance from it: outlines, shadows and textured
// ground fall away, whatever their luminance) in their neighbourhood, then on their strokes alone; then
// the plain luminance, and that split halfway between the letters and the darkest quarter of their
// ground (Tesseract's own threshold loses letters on textured ground).
std::vector<Reading> readings(const LayerFrame& f, bool light_letters) {
  const cv::Mat distance = distance_from_letters(f);
  const double key = (median_of(values_where(distance, f.core)) + median_of(values_where(distance, f.ring))) / 2;
  const cv::Mat keyed = distance > key;
  std::vector<Reading> tried{{keyed, &f.readable, 255}, {keyed, &f.strokes, 255}};
  cv::Mat grey;
  cv::cvtColor(f.local, grey, cv::COLOR_RGBA2GRAY);
  if (light_letters) grey = 255 - grey;
  cv::Mat as_float;
  grey.convertTo(as_float, CV_32F);
  const std::vector<float> ground = values_where(as_float, f.ring);
  const double letters = median_of(values_where(as_float, f.core));
  tried.push_back({grey, &f.readable, median_of(ground)});
  const double darker_ground = quantile_of(ground, 0.25);
  if (!ground.empty() && darker_ground - letters >= kMinSplitLevels)
    tried.push_back({grey > (letters + darker_ground) / 2, &f.readable, 255});
  return tried;
}

std::string read_lines(const Reading& reading, double size_px, const std::string& models) {
  std::string text;
  for (const cv::Mat& mask : *reading.masks) {
    const cv::Rect line = cv::boundingRect(mask);
    if (line.empty()) continue;
    cv::Mat view = reading.image(line).clone();
    view.setTo(cv::Scalar(reading.ground), ~mask(line));
    std::string read = read_text_line(view, size_px, models);
    while (!read.empty() && (read.back() == '\n' || read.back() == ' ')) read.pop_back();
    if (!read.empty()) text += (text.empty() ? "" : "\n") + read;
  }
  return text;
}

}  // namespace

std::vector<cv::Mat> glyphs_by_line(const cv::Mat& coverage, const std::vector<cv::Rect>& line_boxes) {
  const cv::Mat glyphs = coverage > 0;
  if (line_boxes.size() <= 1) return {glyphs};
  // Each connected glyph part belongs to the line whose band holds its centre (a descender reaching
  // into the next line's band stays with its letter).
  cv::Mat labels, stats, centroids;
  const int parts = cv::connectedComponentsWithStats(glyphs, labels, stats, centroids, 8, CV_32S);
  std::vector<int> line_of(static_cast<std::size_t>(parts), -1);
  for (int part = 1; part < parts; ++part) {
    const double y = centroids.at<double>(part, 1);
    double nearest = 1e18;
    for (std::size_t i = 0; i < line_boxes.size(); ++i) {
      const double centre = line_boxes[i].y + line_boxes[i].height / 2.0;
      if (std::abs(y - centre) < nearest)
        nearest = std::abs(y - centre), line_of[static_cast<std::size_t>(part)] = static_cast<int>(i);
    }
  }
  std::vector<cv::Mat> lines;
  for (std::size_t i = 0; i < line_boxes.size(); ++i) lines.emplace_back(coverage.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < labels.rows; ++y) {
    const auto* label = labels.ptr<int>(y);
    for (int x = 0; x < labels.cols; ++x) {
      if (label[x] > 0)
        lines[static_cast<std::size_t>(line_of[static_cast<std::size_t>(label[x])])].at<uchar>(y, x) = 255;
    }
  }
  return lines;
}

TextInOutput read_in_output(const Image& output, const TextLayer& layer, const std::string& models) {
  TextInOutput result;
  if (layer.coverage.empty()) return result;
  const LayerFrame f = frame_of(output, layer);
  const double ink = cv::sum(f.coverage)[0];
  result.visible_share = ink > 0 ? cv::sum(f.coverage & f.inside)[0] / ink : 0;
  if (result.visible_share <= 0) return result;

  // Contrast: the letters' median luminance against that of a ring just around them (an outline, a
  // badge, the photo beside the strokes). Where the letters are gone the two are alike.
  const cv::Mat luminance = relative_luminance(f.local);
  const double letters = median_of(values_where(luminance, f.core)),
               around = median_of(values_where(luminance, f.ring));
  const bool light_letters = letters > around;
  result.contrast_ratio = (std::max(letters, around) + 0.05) / (std::min(letters, around) + 0.05);

  for (const Reading& reading : readings(f, light_letters)) {
    const std::string read = read_lines(reading, layer.size_px, models);
    if (result.read.empty() || text_matches(layer.text, read)) result.read = read;
    if (text_matches(layer.text, read)) break;
  }
  return result;
}

}  // namespace easel
