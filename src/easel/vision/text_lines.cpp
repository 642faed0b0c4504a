#include "easel/vision/text_lines.hpp"

#include <algorithm>
#include <numeric>

#include <opencv2/features2d.hpp>

namespace easel {
namespace {

// Most candidate lines OCR is asked to read, so a textured photo cannot make a search take minutes.
constexpr std::size_t kMaxCandidates = 80;

bool letter_like(const cv::Rect& box, const cv::Size& image) {
  const double aspect = static_cast<double>(box.width) / box.height;
  return box.height >= 8 && box.height <= image.height / 2 && aspect > 0.1 && aspect < 2.5;
}

// A letter continues the line grown from `seed`: similar height, centre on the seed's centre line.
bool on_line_of(const cv::Rect& seed, const cv::Rect& letter) {
  const double height_ratio = static_cast<double>(letter.height) / seed.height;
  const double centre_shift = std::abs((letter.y + letter.height / 2.0) - (seed.y + seed.height / 2.0));
  return height_ratio > 0.7 && height_ratio < 1.4 && centre_shift < 0.25 * seed.height;
}

}  // namespace

std::vector<cv::Rect> text_line_candidates(const std::vector<cv::Mat>& views) {
  std::vector<cv::Rect> letters;
  for (const cv::Mat& grey : views) {
    const auto mser = cv::MSER::create(5, 30, static_cast<int>(grey.total() / 20));
    for (const cv::Mat& image : {grey, cv::Mat(255 - grey)}) {
      std::vector<std::vector<cv::Point>> regions;
      std::vector<cv::Rect> boxes;
      mser->detectRegions(image, regions, boxes);
      for (const auto& box : boxes) {
        if (letter_like(box, grey.size())) letters.push_back(box);
      }
    }
  }
  // Nested MSER regions repeat the same letter; keep one box per position.
  std::sort(letters.begin(), letters.end(), [](const cv::Rect& a, const cv::Rect& b) {
    return std::tie(a.x, a.y, a.width, a.height) < std::tie(b.x, b.y, b.width, b.height);
  });
  letters.erase(std::unique(letters.begin(), letters.end()), letters.end());

  // Grow a straight line from each of the tallest letters: neighbours of similar height on its centre
  // line, no further apart than about a letter's height.
  std::vector<std::size_t> order(letters.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return letters[a].area() > letters[b].area(); });
  std::vector<std::pair<int, cv::Rect>> kept;
  for (std::size_t seed_index : order) {
    const cv::Rect& seed = letters[seed_index];
    std::vector<cv::Rect> members;
    for (const auto& letter : letters) {
      if (on_line_of(seed, letter)) members.push_back(letter);
    }
    std::sort(members.begin(), members.end(), [](const cv::Rect& a, const cv::Rect& b) { return a.x < b.x; });
    const auto at_seed = std::find(members.begin(), members.end(), seed);
    cv::Rect line = seed;
    int count = 1;
    for (auto it = at_seed + 1; it != members.end() && it->x - line.br().x < 1.2 * seed.height; ++it, ++count)
      line |= *it;
    for (auto it = std::make_reverse_iterator(at_seed); it != members.rend() && line.x - it->br().x < 1.2 * seed.height;
         ++it, ++count)
      line |= *it;
    if (count >= 2 && line.width > line.height) kept.emplace_back(count, line);
    if (kept.size() >= 4 * kMaxCandidates) break;
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<cv::Rect> candidates;
  for (const auto& line : kept) {
    const cv::Rect& box = line.second;
    // The same line grown from another of its letters; a small line inside a large one is kept.
    const bool repeated = std::any_of(candidates.begin(), candidates.end(), [&](const cv::Rect& other) {
      return (other & box).area() > 0.7 * (other | box).area();
    });
    if (!repeated) candidates.push_back(box);
    if (candidates.size() == kMaxCandidates) break;
  }
  return candidates;
}

}  // namespace easel
