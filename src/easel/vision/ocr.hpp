#pragma once
// Optical character recognition (Tesseract 5, LSTM; the Latin-script model from Debian's
// tesseract-ocr-script-latn, else the English one from tesseract-ocr-eng).
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

enum class TextLayout { single_line, block };

// Reads dark text on a light background (CV_8U). Returns the text as Tesseract gives it (lines separated
// by '\n'). Each thread keeps its own Tesseract instance (loading the model costs ~100 ms).
// Throws Error(capability) when neither model is installed.
std::string read_text(const cv::Mat& grey, TextLayout layout);

struct OcrWord {
  std::string text;
  cv::Rect box;  // ink bounds in the image
  int line = 0;  // words with the same number are on one line
  float confidence = 0;
};

// Every word Tesseract finds (CV_8U grey), with its box; light-on-dark text included.
std::vector<OcrWord> find_words(const cv::Mat& grey, TextLayout layout);

}  // namespace easel
