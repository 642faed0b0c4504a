#include "easel/run/text_verifier.hpp"

#include <algorithm>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "easel/ops/text_shaping.hpp"
#include "easel/vision/ocr.hpp"

namespace easel {
namespace {

// Tesseract reads best at letter heights of a few dozen pixels; layers are rescaled to this font size.
constexpr double kOcrFontPx = 40;
constexpr int kOcrPaddingPx = 24;

std::string collapse_spaces(const std::string& text) {
  std::istringstream words(text);
  std::string word, result;
  while (words >> word) result += (result.empty() ? "" : " ") + word;
  return result;
}

// The Latin-script model reads Latin letters, digits and common signs; other scripts cannot be verified here.
bool readable_by_latin_model(const std::string& text) {
  for (const Utf8Char& ch : decode_utf8(text, "text")) {
    const char32_t c = ch.value;
    const bool latin = c < 0x250 || (c >= 0x1E00 && c <= 0x1EFF);
    const bool signs = (c >= 0x2010 && c <= 0x206F) || (c >= 0x20A0 && c <= 0x20CF) || c == 0x2122;
    if (!latin && !signs) return false;
  }
  return true;
}

}  // namespace

bool text_matches(const std::string& expected, const std::string& read) { return collapse_spaces(expected) == collapse_spaces(read); }

std::string read_line(const cv::Mat& coverage, double size_px) {
  cv::Mat grey = 255 - coverage;
  const double scale = kOcrFontPx / std::max(size_px, 1.0);
  cv::Mat scaled;
  cv::resize(grey, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::copyMakeBorder(scaled, scaled, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, cv::BORDER_CONSTANT, cv::Scalar(255));
  return read_text(scaled, TextLayout::single_line);
}

std::string read_back(const TextLayer& layer) {
  if (layer.line_boxes.size() <= 1) return collapse_spaces(read_line(layer.coverage, layer.size_px));
  // Line by line: Tesseract's block layout analysis can split or drop lines of large display text.
  // Bands run from the ascender to the descender line, so no glyph of a font's normal extent is cut.
  std::string text;
  for (const cv::Rect& band : layer.line_boxes) {
    const std::string line = collapse_spaces(read_line(layer.coverage(band), layer.size_px));
    if (!line.empty()) text += (text.empty() ? "" : "\n") + line;
  }
  return text;
}

TextCheck verify_text_layer(const TextLayer& layer) {
  TextCheck check;
  check.expected = layer.text;
  check.layer = layer;
  if (layer.coverage.empty()) {
    check.read = "";
    check.match = false;
    check.note = "nothing visible was drawn (the text lies outside the image)";
  } else if (!readable_by_latin_model(layer.text)) {
    check.note = "the installed OCR model reads Latin script only";
  } else {
    check.read = read_back(layer);
    check.match = text_matches(layer.text, *check.read);
  }
  if (!layer.missing.empty()) check.note += std::string(check.note.empty() ? "" : "; ") + "no installed font has: " + layer.missing;
  if (!layer.fits) check.note += std::string(check.note.empty() ? "" : "; ") + "the text does not fit its region even at the smallest size";
  return check;
}

std::vector<TextCheck> verify_text(const std::vector<std::string>& expected, const std::vector<TextLayer>& layers) {
  std::vector<TextCheck> checks;
  const std::size_t unverified = expected.size() > layers.size() ? expected.size() - layers.size() : 0;
  for (std::size_t i = 0; i < unverified; ++i) {
    checks.push_back({expected[i], std::nullopt, std::nullopt, "the step's result came from the document's cache, which keeps no glyph layer", std::nullopt});
  }
  for (const TextLayer& layer : layers) checks.push_back(verify_text_layer(layer));
  return checks;
}

nlohmann::json to_json(const TextCheck& check) {
  nlohmann::json entry = {{"expected", check.expected},
                          {"read", check.read ? nlohmann::json(*check.read) : nlohmann::json(nullptr)},
                          {"match", check.match ? nlohmann::json(*check.match) : nlohmann::json(nullptr)}};
  if (!check.note.empty()) entry["note"] = check.note;
  if (check.layer) {
    const TextLayer& layer = *check.layer;
    entry["box"] = {layer.box.x, layer.box.y, layer.box.width, layer.box.height};
    entry["size_px"] = layer.size_px;
    entry["lines"] = layer.line_count;
    entry["fonts"] = layer.fonts;
    if (!layer.missing.empty()) entry["missing_glyphs"] = layer.missing;
    if (!layer.substitution.empty()) entry["font_substitution"] = layer.substitution;
    entry["legibility"] = {{"contrast_ratio", layer.contrast_ratio}, {"contrast_ratio_p5", layer.contrast_ratio_p5}};
  }
  return entry;
}

}  // namespace easel
