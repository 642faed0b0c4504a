#pragma once
// Reading one typeset string where it lies in the final image: the output's pixels under the layer's
// glyph box (followed through later crops, expansions and resizes) are brought back into the glyph
// layer's frame and read line by line, and the letters' contrast against the pixels around them is
// measured there.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/image/image.hpp"
#include "easel/typeset/text_layer.hpp"

namespace easel {

struct TextInOutput {
  std::string read;           // what OCR read; empty when nothing of the text is in the output
  double visible_share = 0;   // share of the glyphs' ink inside the output
  double contrast_ratio = 0;  // WCAG ratio: median luminance of the letters against that of a ring around them
};

// The glyphs of each line (CV_8U masks of `coverage`'s size), for reading line by line: every connected
// glyph part goes with the line whose band (`line_boxes`) has its centre nearest.
std::vector<cv::Mat> glyphs_by_line(const cv::Mat& coverage, const std::vector<cv::Rect>& line_boxes);

// `models` are Tesseract's script models ("Latin", "Cyrillic+Latin"). Letters are read dark on light:
// the output's luminance, inverted when the letters are lighter than what surrounds them.
TextInOutput read_in_output(const Image& output, const TextLayer& layer, const std::string& models);

}  // namespace easel
