#include "easel/typeset/text_erase.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "easel/vision/find_text.hpp"
#include "easel/vision/text_slant.hpp"

namespace easel {
namespace {

// A background whose colours a plane fits to within this many levels (RMS, per channel) is flat: the
// hole is filled from the fit, which leaves no smudge, instead of being inpainted.
constexpr double kFlatResidual = 4.0;
// Share of a strip's pixels that must be background-coloured for the room around a word to grow over it.
constexpr double kRoomBackgroundShare = 0.97;

// The longest run of rows (or columns) in which text pixels cover at least `share` of the line.
std::pair<int, int> dense_run(const cv::Mat& text_pixels, int axis, double share) {
  cv::Mat counts;
  cv::reduce(text_pixels / 255, counts, axis, cv::REDUCE_SUM, CV_32S);
  const int length = static_cast<int>(counts.total());
  const double needed = share * (axis == 1 ? text_pixels.cols : text_pixels.rows);
  int best_start = 0, best_length = 0;
  for (int i = 0; i < length;) {
    if (counts.at<int>(i) < needed) {
      ++i;
      continue;
    }
    int j = i;
    while (j < length && counts.at<int>(j) >= needed) ++j;
    if (j - i > best_length) best_start = i, best_length = j - i;
    i = j;
  }
  return {best_start, best_length};
}

// The text's own bounds inside OCR's word box, which often includes a badge's or sign's margin: the
// longest run of rows with text pixels, then the columns with any text pixel within those rows.
cv::Rect ink_within(const cv::Mat& text_pixels, const cv::Rect& box) {
  const cv::Mat inside = text_pixels(box);
  const auto [top, height] = dense_run(inside, 1, 0.02);
  if (height == 0) return box;
  const cv::Rect columns = cv::boundingRect(inside.rowRange(top, top + height));
  if (columns.empty()) return box;
  return cv::Rect(box.x + columns.x, box.y + top, columns.width, height);
}

double distance_from(const cv::Vec3b& pixel, const cv::Vec3f& color) {
  const cv::Vec3f difference = cv::Vec3f(pixel) - color;
  return std::sqrt(difference.dot(difference) / 3);
}

double background_share(const cv::Mat& rgb, const cv::Rect& strip, const cv::Vec3f& background, double tolerance) {
  int close = 0;
  for (int y = strip.y; y < strip.br().y; ++y) {
    for (int x = strip.x; x < strip.br().x; ++x)
      close += distance_from(rgb.at<cv::Vec3b>(y, x), background) <= tolerance ? 1 : 0;
  }
  return static_cast<double>(close) / std::max(1, strip.area());
}

// The word's box grown one pixel at a time on each side while the new strip is plain background (a
// badge, a sign): sideways up to the image's edges, up and down by at most the word's height.
cv::Rect room_around(const cv::Mat& rgb, const cv::Rect& box, const cv::Vec3f& background, double tolerance) {
  const cv::Rect limit = cv::Rect(0, box.y - box.height, rgb.cols, 3 * box.height) & cv::Rect(0, 0, rgb.cols, rgb.rows);
  cv::Rect room = box & limit;
  for (bool grew = true; grew;) {
    grew = false;
    const std::array<cv::Rect, 4> strips{
        cv::Rect(room.x - 1, room.y, 1, room.height), cv::Rect(room.br().x, room.y, 1, room.height),
        cv::Rect(room.x, room.y - 1, room.width, 1), cv::Rect(room.x, room.br().y, room.width, 1)};
    for (const cv::Rect& strip : strips) {
      if ((strip & limit) != strip || background_share(rgb, strip, background, tolerance) < kRoomBackgroundShare)
        continue;
      room |= strip;
      grew = true;
    }
  }
  return room;
}

// Fills the hole from a plane fitted to the ring of background around it, channel by channel; false
// (and nothing filled) when the ring is not flat enough for a plane to stand in for it.
bool fill_flat(const cv::Mat& rgb, const cv::Mat& hole, int ring_width, cv::Mat& filled) {
  cv::Mat near;
  cv::dilate(hole, near,
             cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * ring_width + 1, 2 * ring_width + 1)));
  const cv::Mat ring = near & ~hole;
  std::vector<cv::Point> points;
  cv::findNonZero(ring, points);
  if (points.size() < 16) return false;
  cv::Mat design(static_cast<int>(points.size()), 3, CV_64F), values(static_cast<int>(points.size()), 3, CV_64F);
  for (int i = 0; i < design.rows; ++i) {
    const cv::Point& p = points[static_cast<std::size_t>(i)];
    design.at<double>(i, 0) = 1, design.at<double>(i, 1) = p.x, design.at<double>(i, 2) = p.y;
    const cv::Vec3b& pixel = rgb.at<cv::Vec3b>(p);
    for (int c = 0; c < 3; ++c) values.at<double>(i, c) = pixel[c];
  }
  cv::Mat plane;
  cv::solve(design, values, plane, cv::DECOMP_SVD);
  const cv::Mat residual = design * plane - values;
  for (int c = 0; c < 3; ++c) {
    if (std::sqrt(cv::mean(residual.col(c).mul(residual.col(c)))[0]) > kFlatResidual) return false;
  }
  filled = rgb.clone();
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      if (!hole.at<uchar>(y, x)) continue;
      for (int c = 0; c < 3; ++c) {
        filled.at<cv::Vec3b>(y, x)[c] =
            cv::saturate_cast<uchar>(plane.at<double>(0, c) + plane.at<double>(1, c) * x + plane.at<double>(2, c) * y);
      }
    }
  }
  return true;
}

// How far a background pixel's colour strays from the background colour: the letters are what lies beyond.
double background_tolerance(const LetterPixels& letters, const cv::Rect& box) {
  cv::Scalar mean, deviation;
  cv::meanStdDev(letters.distance(box), mean, deviation, ~letters.mask(box));
  return std::max(12.0, mean[0] + 3 * deviation[0]);
}

}  // namespace

double stroke_share_of(const cv::Mat& letters, int ink_height) {
  if (ink_height <= 0 || cv::countNonZero(letters) == 0) return 0;
  cv::Mat padded, distance;
  cv::copyMakeBorder(letters, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::distanceTransform(padded, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  // Across a stroke of width w the distance to its edge averages w / 4.
  return 4 * cv::mean(distance, padded)[0] / ink_height;
}

cv::Mat inpaint_hole(const cv::Mat& window, const cv::Mat& hole, const cv::Rect&) {
  cv::Mat filled;
  cv::inpaint(window, hole, filled, 3, cv::INPAINT_TELEA);
  return filled;
}

ErasedText erase_text(cv::Mat& image, const cv::Rect& box, const HoleFiller& fill_textured) {
  const int pad = std::max(3, static_cast<int>(std::lround(0.3 * box.height)));
  const cv::Rect bounds(0, 0, image.cols, image.rows);
  const cv::Rect window =
      cv::Rect(box.x - 2 * pad, box.y - 2 * pad, box.width + 4 * pad, box.height + 4 * pad) & bounds;
  cv::Mat rgb;
  cv::cvtColor(image(window), rgb, cv::COLOR_RGBA2RGB);

  ErasedText erased;
  const cv::Rect local = box - window.tl();
  LetterPixels letters = letter_pixels(rgb, local);
  const double tolerance = background_tolerance(letters, local);
  {
    cv::Mat whole_rgb;
    cv::cvtColor(image, whole_rgb, cv::COLOR_RGBA2RGB);
    erased.room = room_around(whole_rgb, box, letters.background, tolerance);
  }

  // The text's colour: the pixels farthest from the background (the fill, not the anti-aliased rim).
  double far = 0;
  cv::minMaxLoc(letters.distance(local), nullptr, &far);
  const cv::Mat core = (letters.distance > 0.6 * far) & letters.mask;
  const cv::Scalar color = cv::countNonZero(core) > 0 ? cv::mean(rgb, core) : cv::Scalar(0, 0, 0);
  erased.text_color = cv::Scalar(color[0], color[1], color[2], 255);
  const cv::Rect ink = ink_within(letters.mask, local);
  erased.ink = ink + window.tl();
  erased.slant_degrees = measure_slant_degrees(letters.mask(ink));
  erased.stroke_share = stroke_share_of(letters.mask(ink), ink.height);

  // The hole: every pixel of the box off the background's colours (the letters with their anti-aliased
  // rims, which Otsu's threshold leaves behind as smudges), grown to take what lies just outside the box.
  cv::Mat hole(rgb.size(), CV_8U, cv::Scalar(0));
  hole(local).setTo(255, letters.distance(local) > tolerance);
  hole |= letters.mask;
  const int grow = std::max(2, box.height / 10);
  cv::dilate(hole, hole, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
  cv::Mat filled;
  if (fill_flat(rgb, hole, std::max(3, box.height / 8), filled)) {
    erased.fill = "plain background: filled from a smooth fit of the colours around the letters";
  } else {
    filled = fill_textured(rgb, hole, window);
    erased.fill = "textured background: inpainted from the surroundings";
  }
  for (int y = 0; y < filled.rows; ++y) {
    for (int x = 0; x < filled.cols; ++x) {
      if (!hole.at<uchar>(y, x)) continue;
      auto& pixel = image.at<cv::Vec4b>(window.y + y, window.x + x);
      const auto& fill = filled.at<cv::Vec3b>(y, x);
      pixel = {fill[0], fill[1], fill[2], pixel[3]};
    }
  }
  erased.changed = window;
  return erased;
}

}  // namespace easel
