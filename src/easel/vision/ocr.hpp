#pragma once
// Optical character recognition (Tesseract 5, LSTM) with the script models from Debian's
// tesseract-ocr-script-* packages: Latin (else the English model), Greek, Cyrillic, Arabic, Hebrew,
// HanS (simplified Chinese), Japanese and Hangul.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

enum class TextLayout { single_line, block };

// Reads dark text on a light background (CV_8U) with `models` ("Latin", "Hebrew+Latin", …: Tesseract's
// names, the first one primary). Returns the text as Tesseract gives it (lines separated by '\n'). Each
// thread keeps one Tesseract instance per model set (loading a model costs ~100 ms).
// Throws Error(capability) naming the Debian package when a model is not installed.
std::string read_text(const cv::Mat& grey, TextLayout layout, const std::string& models = "Latin");

// One line of dark text on a light background (CV_8U) whose font size is `size_px`: rescaled so its
// letters are the size Tesseract reads best (a 40 px font) and padded with white.
std::string read_text_line(const cv::Mat& grey, double size_px, const std::string& models);

struct OcrWord {
  std::string text;
  cv::Rect box;  // ink bounds in the image
  int line = 0;  // words with the same number are on one line
  float confidence = 0;
};

// Every word the Latin model finds (CV_8U grey), with its box; light-on-dark text included.
std::vector<OcrWord> find_words(const cv::Mat& grey, TextLayout layout);

}  // namespace easel
