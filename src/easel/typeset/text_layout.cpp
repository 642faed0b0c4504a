#include "easel/typeset/text_layout.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace easel {
namespace {

// Layout works on a grid of at most this many cells along the area's longer side: fine enough to find
// the gap between a subject and the frame, coarse enough to weigh every clear rectangle.
constexpr int kGridCells = 96;
// Spots whose text is at least this share of the largest are "as good"; nearness to the named edge decides.
constexpr double kAsGoodShare = 0.9;

// The point the area names: an edge it alone touches ("top" → its top edge), else its centre, per axis.
cv::Point2d anchor_of(const cv::Rect& area, cv::Size image) {
  const bool top = area.y == 0, bottom = area.br().y == image.height;
  const bool left = area.x == 0, right = area.br().x == image.width;
  const double x = left && !right ? area.x : right && !left ? area.br().x : area.x + area.width / 2.0;
  const double y = top && !bottom ? area.y : bottom && !top ? area.br().y : area.y + area.height / 2.0;
  return {x, y};
}

double distance_to(const cv::Rect& rect, cv::Point2d point) {
  const double dx = std::max({rect.x - point.x, 0.0, point.x - rect.br().x});
  const double dy = std::max({rect.y - point.y, 0.0, point.y - rect.br().y});
  return std::hypot(dx, dy);
}

// Cells of `area` (kGridCells along its longer side) that touch a pixel within `gap` of `avoid`.
cv::Mat blocked_cells(const cv::Rect& area, const cv::Mat& avoid, int gap, int cell) {
  const cv::Rect bounds(0, 0, avoid.cols, avoid.rows);
  const cv::Rect reach = cv::Rect(area.x - gap, area.y - gap, area.width + 2 * gap, area.height + 2 * gap) & bounds;
  // Distance to the nearest pixel to avoid (a distance transform is linear in the pixels, where dilating
  // by a large gap is not).
  cv::Mat distance;
  cv::distanceTransform(avoid(reach) == 0, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  const cv::Mat inside = distance(area - reach.tl()) <= gap;
  const int rows = (area.height + cell - 1) / cell, cols = (area.width + cell - 1) / cell;
  cv::Mat cells(rows, cols, CV_8U, cv::Scalar(0));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const cv::Rect pixels = cv::Rect(c * cell, r * cell, cell, cell) & cv::Rect(0, 0, area.width, area.height);
      cells.at<uchar>(r, c) = cv::countNonZero(inside(pixels)) > 0 ? 255 : 0;
    }
  }
  return cells;
}

// Every maximal clear rectangle of the grid (in cells): for each row as the bottom, each column's run of
// clear cells above it, widened left and right over columns with runs at least as tall.
std::vector<cv::Rect> clear_rectangles(const cv::Mat& blocked) {
  std::vector<cv::Rect> found;
  std::vector<int> height(static_cast<std::size_t>(blocked.cols), 0);
  for (int r = 0; r < blocked.rows; ++r) {
    for (int c = 0; c < blocked.cols; ++c)
      height[static_cast<std::size_t>(c)] = blocked.at<uchar>(r, c) ? 0 : height[static_cast<std::size_t>(c)] + 1;
    for (int c = 0; c < blocked.cols; ++c) {
      const int h = height[static_cast<std::size_t>(c)];
      if (h == 0 || (c > 0 && height[static_cast<std::size_t>(c - 1)] == h))
        continue;  // the same rectangle as its left neighbour
      int left = c, right = c;
      while (left > 0 && height[static_cast<std::size_t>(left - 1)] >= h) --left;
      while (right + 1 < blocked.cols && height[static_cast<std::size_t>(right + 1)] >= h) ++right;
      found.emplace_back(left, r - h + 1, right - left + 1, h);
    }
  }
  std::sort(found.begin(), found.end(), [](const cv::Rect& a, const cv::Rect& b) {
    return std::make_tuple(a.x, a.y, a.width, a.height) < std::make_tuple(b.x, b.y, b.width, b.height);
  });
  found.erase(std::unique(found.begin(), found.end()), found.end());
  // Largest first, so that layout finds a good spot early and can pass over rectangles too low to beat it.
  std::stable_sort(found.begin(), found.end(),
                   [](const cv::Rect& a, const cv::Rect& b) { return a.area() > b.area(); });
  return found;
}

}  // namespace

std::optional<TextSpot> clear_text_spot(const cv::Rect& area, cv::Size image, const cv::Mat& avoid, int gap,
                                        TextFitter& fitter, double fixed_size, double min_size_px) {
  if (area.empty()) return std::nullopt;
  const int cell = std::max(1, (std::max(area.width, area.height) + kGridCells - 1) / kGridCells);
  const cv::Mat blocked = avoid.empty() ? cv::Mat(1, 1, CV_8U, cv::Scalar(0)) : blocked_cells(area, avoid, gap, cell);
  const int cell_w = avoid.empty() ? area.width : cell, cell_h = avoid.empty() ? area.height : cell;

  struct Candidate {
    cv::Rect rect;
    double size;
  };
  std::vector<Candidate> candidates;
  double best = 0;
  const double line_height = fitter.line_height_em();
  for (const cv::Rect& cells : clear_rectangles(blocked)) {
    const cv::Rect rect =
        cv::Rect(area.x + cells.x * cell_w, area.y + cells.y * cell_h, cells.width * cell_w, cells.height * cell_h) &
        area;
    // A line is at least its line height tall: rectangles lower than the best text so far cannot beat it.
    const double ceiling = rect.height / line_height;
    if (ceiling < std::max(min_size_px, kAsGoodShare * best)) continue;
    double size = 0;
    if (fixed_size > 0) {
      size = fitter.fits(fixed_size, rect.size()) ? fixed_size : 0;
    } else {
      size = fitter.fitted_size(rect.size());
      if (!fitter.fits(size, rect.size())) size = 0;
    }
    if (size < min_size_px) continue;
    best = std::max(best, size);
    candidates.push_back({rect, size});
  }
  if (candidates.empty()) return std::nullopt;

  const cv::Point2d anchor = anchor_of(area, image);
  const Candidate* chosen = nullptr;
  for (const Candidate& candidate : candidates) {
    if (candidate.size < kAsGoodShare * best) continue;
    if (!chosen || distance_to(candidate.rect, anchor) < distance_to(chosen->rect, anchor) ||
        (distance_to(candidate.rect, anchor) == distance_to(chosen->rect, anchor) && candidate.size > chosen->size)) {
      chosen = &candidate;
    }
  }
  TextSpot spot{chosen->rect, chosen->size, ""};
  if (anchor.y == area.y && area.y + area.height / 2.0 != anchor.y) spot.valign = "top";
  if (anchor.y == area.br().y && area.y + area.height / 2.0 != anchor.y) spot.valign = "bottom";
  return spot;
}

std::string part_of_area(const cv::Rect& spot, const cv::Rect& area) {
  if (spot == area) return "all of the area";
  const double cx = (spot.x + spot.width / 2.0 - area.x) / area.width,
               cy = (spot.y + spot.height / 2.0 - area.y) / area.height;
  const std::string vertical = cy < 1.0 / 3 ? "top" : cy > 2.0 / 3 ? "bottom" : "";
  const std::string horizontal = cx < 1.0 / 3 ? "left" : cx > 2.0 / 3 ? "right" : "";
  if (vertical.empty() && horizontal.empty()) return "the middle of the area";
  return "the " + vertical + (vertical.empty() || horizontal.empty() ? "" : "-") + horizontal + " of the area";
}

}  // namespace easel
