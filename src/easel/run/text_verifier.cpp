#include "easel/run/text_verifier.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <utility>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/text_shaping.hpp"
#include "easel/vision/ocr.hpp"

namespace easel {
namespace {

// Tesseract reads best at letter heights of a few dozen pixels; layers are rescaled to this font size.
constexpr double kOcrFontPx = 40;
constexpr int kOcrPaddingPx = 24;

std::string hex_code(char32_t c) {
  char code[16];
  std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(c));
  return code;
}

// Tesseract marks the direction of right-to-left words with invisible U+200E/U+200F; they are not text.
std::string without_direction_marks(std::string text) {
  for (const char* mark : {"\u200E", "\u200F"}) {
    for (std::size_t at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) text.erase(at, 3);
  }
  return text;
}

std::string collapse_spaces(const std::string& raw) {
  std::istringstream words(without_direction_marks(raw));
  std::string word, result;
  while (words >> word) result += (result.empty() ? "" : " ") + word;
  return result;
}

// Signs every script model reads: ASCII punctuation and digits, Latin-1 signs, dashes, quotes, currency,
// ™, and CJK punctuation and full-width forms.
bool is_common_sign(char32_t c) {
  return c < 0x250 || (c >= 0x2010 && c <= 0x206F) || (c >= 0x20A0 && c <= 0x20CF) || c == 0x2122 ||
         (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
}

struct OcrModels {
  std::string models;  // Tesseract's "Hebrew+Latin" form; empty when the text cannot be read back
  std::string reason;  // why not, when empty
};

// The Tesseract script models that together read `text`, the primary (most used) script first.
OcrModels ocr_models_for(const std::string& text) {
  std::map<std::string, int> uses;
  for (const Utf8Char& ch : decode_utf8(text, "text")) {
    const char32_t c = ch.value;
    switch (hb_unicode_script(hb_unicode_funcs_get_default(), c)) {
      case HB_SCRIPT_LATIN: ++uses["Latin"]; break;
      case HB_SCRIPT_GREEK: ++uses["Greek"]; break;
      case HB_SCRIPT_CYRILLIC: ++uses["Cyrillic"]; break;
      case HB_SCRIPT_ARABIC: ++uses["Arabic"]; break;
      case HB_SCRIPT_HEBREW: ++uses["Hebrew"]; break;
      case HB_SCRIPT_HAN: ++uses["HanS"]; break;
      case HB_SCRIPT_HIRAGANA:
      case HB_SCRIPT_KATAKANA: ++uses["Japanese"]; break;
      case HB_SCRIPT_HANGUL: ++uses["Hangul"]; break;
      case HB_SCRIPT_COMMON:
      case HB_SCRIPT_INHERITED:
        if (!is_common_sign(c) && !(c >= 0x300 && c <= 0x36F)) return {"", "OCR cannot read symbols or emoji such as U+" + hex_code(c)};
        break;
      default: return {"", "no OCR model for the script of U+" + hex_code(c)};
    }
  }
  // Japanese text mixes kana with kanji: the Japanese model reads both.
  if (uses.count("Japanese") && uses.count("HanS")) uses["Japanese"] += std::exchange(uses["HanS"], 0);
  std::vector<std::pair<int, std::string>> ranked;
  for (const auto& [model, count] : uses) {
    if (count > 0) ranked.emplace_back(count, model);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string models;
  for (const auto& [count, model] : ranked) models += (models.empty() ? "" : "+") + model;
  return {models.empty() ? "Latin" : models, ""};
}

}  // namespace

bool text_matches(const std::string& expected, const std::string& read) { return collapse_spaces(expected) == collapse_spaces(read); }

std::string read_line(const cv::Mat& coverage, double size_px, const std::string& models) {
  cv::Mat grey = 255 - coverage;
  const double scale = kOcrFontPx / std::max(size_px, 1.0);
  cv::Mat scaled;
  cv::resize(grey, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  cv::copyMakeBorder(scaled, scaled, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, kOcrPaddingPx, cv::BORDER_CONSTANT, cv::Scalar(255));
  return read_text(scaled, TextLayout::single_line, models);
}

std::string read_back(const TextLayer& layer, const std::string& models) {
  if (layer.line_boxes.size() <= 1) return collapse_spaces(read_line(layer.coverage, layer.size_px, models));
  // Line by line: Tesseract's block layout analysis can split or drop lines of large display text.
  // Bands run from the ascender to the descender line, so no glyph of a font's normal extent is cut.
  std::string text;
  for (const cv::Rect& band : layer.line_boxes) {
    const std::string line = collapse_spaces(read_line(layer.coverage(band), layer.size_px, models));
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
  } else if (const OcrModels ocr = ocr_models_for(layer.text); ocr.models.empty()) {
    check.note = ocr.reason;
  } else {
    try {
      check.read = read_back(layer, ocr.models);
      check.match = text_matches(layer.text, *check.read);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::capability) throw;
      check.note = error.what();
    }
  }
  if (!layer.missing.empty()) check.note += std::string(check.note.empty() ? "" : "; ") + "no installed font has: " + layer.missing;
  if (!layer.fits) check.note += std::string(check.note.empty() ? "" : "; ") + "the text does not fit its region even at the smallest size";
  return check;
}

std::vector<TextCheck> verify_text(const std::vector<TextLayer>& layers) {
  std::vector<TextCheck> checks;
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
