#pragma once
// Finding a string in a photograph. Tesseract's page layout analysis fails on busy photographs, so
// candidate lines are proposed first (text_lines.hpp) and each is read alone, in several grey views,
// until consecutive words on one line spell the string exactly.
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace easel {

// The box of `wanted` (whole words, one line) in `rgba` (CV_8UC4); empty when OCR does not find it.
std::optional<cv::Rect> find_text(const cv::Mat& rgba, const std::string& wanted);

struct LetterPixels {
  cv::Mat mask;          // CV_8U, 255 = a letter's pixel (only inside the word's box)
  cv::Mat distance;      // CV_8U, each pixel's colour distance from the background behind the letters
  cv::Vec3f background;  // the colour behind the letters (RGB)
};

// The letters of the word at `box` in `rgb` (CV_8UC3, usually a window around the box): pixels far in
// colour (Otsu threshold) from what is behind them.
LetterPixels letter_pixels(const cv::Mat& rgb, const cv::Rect& box);

}  // namespace easel
