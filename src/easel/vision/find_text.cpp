#include "easel/vision/find_text.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "easel/vision/ocr.hpp"
#include "easel/vision/text_lines.hpp"

namespace easel {
namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// The boxes of consecutive words on one line that spell `wanted`; empty when OCR found no such run.
std::optional<cv::Rect> find_string(const std::vector<OcrWord>& found, const std::string& wanted) {
  const std::vector<std::string> wanted_words = words_of(wanted);
  if (wanted_words.empty()) return std::nullopt;
  for (std::size_t start = 0; start + wanted_words.size() <= found.size(); ++start) {
    cv::Rect box;
    bool matches = true;
    for (std::size_t k = 0; k < wanted_words.size() && matches; ++k) {
      const OcrWord& word = found[start + k];
      matches = word.text == wanted_words[k] && word.line == found[start].line;
      box = k == 0 ? word.box : (box | word.box);
    }
    if (matches) return box;
  }
  return std::nullopt;
}

// Grey images for OCR to search, most likely first: text on a photo often differs from its surroundings
// in one colour channel or in saturation more than in luminance (yellow on white, red on grey).
std::vector<cv::Mat> grey_views(const cv::Mat& rgba) {
  std::vector<cv::Mat> views(1);
  cv::cvtColor(rgba, views[0], cv::COLOR_RGBA2GRAY);
  std::vector<cv::Mat> channels;
  cv::split(rgba, channels);
  for (int c = 0; c < 3; ++c) views.push_back(channels[static_cast<std::size_t>(c)]);
  cv::Mat rgb, hsv;
  cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
  cv::cvtColor(rgb, hsv, cv::COLOR_RGB2HSV);
  cv::split(hsv, channels);
  views.push_back(channels[1]);
  return views;
}

// Median colour of a crop's outer ring: the background of a line of text.
cv::Vec3f ring_median_color(const cv::Mat& rgb) {
  std::vector<std::vector<uchar>> samples(3);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      if (y > 1 && y < rgb.rows - 2 && x > 1 && x < rgb.cols - 2) continue;
      for (int c = 0; c < 3; ++c) samples[static_cast<std::size_t>(c)].push_back(rgb.at<cv::Vec3b>(y, x)[c]);
    }
  }
  cv::Vec3f median;
  for (int c = 0; c < 3; ++c) {
    auto& s = samples[static_cast<std::size_t>(c)];
    std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(s.size() / 2), s.end());
    median[c] = s[s.size() / 2];
  }
  return median;
}

// Dark where a pixel's colour is far from the background: text of any colour on any colour reads as
// dark on light.
cv::Mat distance_view(const cv::Mat& rgba) {
  cv::Mat rgb;
  cv::cvtColor(rgba, rgb, cv::COLOR_RGBA2RGB);
  const cv::Vec3f background = ring_median_color(rgb);
  cv::Mat distance(rgb.size(), CV_32F);
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3f difference = cv::Vec3f(rgb.at<cv::Vec3b>(y, x)) - background;
      distance.at<float>(y, x) = std::sqrt(difference.dot(difference));
    }
  }
  double far = 0;
  cv::minMaxLoc(distance, nullptr, &far);
  cv::Mat view;
  distance.convertTo(view, CV_8U, far > 0 ? -255 / far : 0, 255);
  return view;
}

// The colour behind the letters in a word's box. The box holds two colour groups, letters and what is
// behind them (a badge, a sign, the photo), in any proportion (bold display text can cover most of it):
// of two k-means clusters, the background is the one that owns more of the box's border.
cv::Vec3f background_color(const cv::Mat& rgb_box) {
  cv::Mat samples;
  rgb_box.clone().reshape(1, static_cast<int>(rgb_box.total())).convertTo(samples, CV_32F);
  cv::Mat labels, centers;
  cv::kmeans(samples, 2, labels, cv::TermCriteria(cv::TermCriteria::EPS + cv::TermCriteria::COUNT, 20, 0.5), 3,
             cv::KMEANS_PP_CENTERS, centers);
  std::array<int, 2> border_votes{0, 0};
  for (int y = 0; y < rgb_box.rows; ++y) {
    for (int x = 0; x < rgb_box.cols; ++x) {
      if (y > 0 && y < rgb_box.rows - 1 && x > 0 && x < rgb_box.cols - 1) continue;
      ++border_votes[static_cast<std::size_t>(labels.at<int>(y * rgb_box.cols + x))];
    }
  }
  const int background = border_votes[1] > border_votes[0] ? 1 : 0;
  return {centers.at<float>(background, 0), centers.at<float>(background, 1), centers.at<float>(background, 2)};
}

}  // namespace

LetterPixels letter_pixels(const cv::Mat& rgb, const cv::Rect& box) {
  const cv::Vec3f background = background_color(rgb(box));
  LetterPixels letters{cv::Mat(rgb.size(), CV_8U, cv::Scalar(0)), cv::Mat(rgb.size(), CV_8U, cv::Scalar(0)),
                       background};
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3f difference = cv::Vec3f(rgb.at<cv::Vec3b>(y, x)) - background;
      letters.distance.at<uchar>(y, x) =
          cv::saturate_cast<uchar>(std::sqrt(difference.dot(difference)) / std::sqrt(3.0));
    }
  }
  cv::threshold(letters.distance(box), letters.mask(box), 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  return letters;
}

// Each candidate line, cut out with a margin, read alone until one reads `wanted`.
std::optional<cv::Rect> find_text(const cv::Mat& rgba, const std::string& wanted) {
  const std::vector<cv::Mat> views = grey_views(rgba);
  const std::vector<cv::Rect> lines = text_line_candidates(views);
  for (int view_index = -1; view_index < static_cast<int>(views.size()); ++view_index) {
    for (const cv::Rect& line : lines) {
      const int pad = std::max(4, line.height / 3);
      const cv::Rect crop = cv::Rect(line.x - pad, line.y - pad, line.width + 2 * pad, line.height + 2 * pad) &
                            cv::Rect(0, 0, rgba.cols, rgba.rows);
      const cv::Mat view =
          view_index < 0 ? distance_view(rgba(crop)) : views[static_cast<std::size_t>(view_index)](crop).clone();
      std::vector<OcrWord> found = find_words(view, TextLayout::single_line);
      for (auto& word : found) word.box += crop.tl();
      if (const auto box = find_string(found, wanted)) return box;
    }
  }
  return std::nullopt;
}

}  // namespace easel
