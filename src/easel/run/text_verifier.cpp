#include "easel/run/text_verifier.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/typeset/text_shaping.hpp"
#include "easel/run/text_in_output.hpp"
#include "easel/vision/ocr.hpp"

namespace easel {
namespace {

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
      case HB_SCRIPT_LATIN:
        ++uses["Latin"];
        break;
      case HB_SCRIPT_GREEK:
        ++uses["Greek"];
        break;
      case HB_SCRIPT_CYRILLIC:
        ++uses["Cyrillic"];
        break;
      case HB_SCRIPT_ARABIC:
        ++uses["Arabic"];
        break;
      case HB_SCRIPT_HEBREW:
        ++uses["Hebrew"];
        break;
      case HB_SCRIPT_HAN:
        ++uses["HanS"];
        break;
      case HB_SCRIPT_HIRAGANA:
      case HB_SCRIPT_KATAKANA:
        ++uses["Japanese"];
        break;
      case HB_SCRIPT_HANGUL:
        ++uses["Hangul"];
        break;
      case HB_SCRIPT_COMMON:
      case HB_SCRIPT_INHERITED:
        if (!is_common_sign(c) && !(c >= 0x300 && c <= 0x36F))
          return {"", "OCR cannot read symbols or emoji such as U+" + hex_code(c)};
        break;
      default:
        return {"", "no OCR model for the script of U+" + hex_code(c)};
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

bool text_matches(const std::string& expected, const std::string& read) {
  return collapse_spaces(expected) == collapse_spaces(read);
}

std::string read_back(const TextLayer& layer, const std::string& models) {
  const auto read_line = [&](const cv::Mat& coverage) { return read_text_line(255 - coverage, layer.size_px, models); };
  if (layer.line_boxes.size() <= 1) return collapse_spaces(read_line(layer.coverage));
  // Line by line (Tesseract's block layout analysis can split or drop lines of large display text), each
  // line's glyphs alone, so descenders and accents of the lines around it are not read with it.
  std::string text;
  for (const cv::Mat& glyphs : glyphs_by_line(layer.coverage, layer.line_boxes)) {
    const cv::Rect ink = cv::boundingRect(glyphs);
    if (ink.empty()) continue;
    cv::Mat alone(ink.size(), CV_8U, cv::Scalar(0));
    layer.coverage(ink).copyTo(alone, glyphs(ink));
    const std::string line = collapse_spaces(read_line(alone));
    if (!line.empty()) text += (text.empty() ? "" : "\n") + line;
  }
  return text;
}

namespace {

void add_note(TextCheck& check, const std::string& note) {
  if (!note.empty()) check.note += (check.note.empty() ? "" : "; ") + note;
}

// Share of a text's ink inside the output above which it counts as whole (resampling blurs the edge).
constexpr double kWhollyVisible = 0.999;

std::string percent(double share) { return std::to_string(std::lround(100 * share)) + "%"; }

std::string ratio(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f:1", value);
  return text;
}

// What typesetting itself reports: glyphs no font has, text that did not fit.
void add_typesetting_notes(TextCheck& check, const TextLayer& layer) {
  if (!layer.missing.empty()) add_note(check, "no installed font has: " + layer.missing);
  if (!layer.fits) add_note(check, "the text does not fit its region even at the smallest size");
}

// The glyph layer alone, read as drawn.
void check_spelling(TextCheck& check, const TextLayer& layer, const std::string& models) {
  check.spelling_read = read_back(layer, models);
  check.spelling_match = text_matches(layer.text, *check.spelling_read);
}

// Why the output does not read the string, from what happened to it after it was typeset.
void explain_failure(TextCheck& check, const TextLayer& layer, bool legible) {
  if (check.visible_share < kWhollyVisible)
    add_note(check, percent(1 - check.visible_share) + " of its letters lie outside the output");
  if (!legible && check.output_contrast)
    add_note(check, "its contrast in the output is " + ratio(*check.output_contrast) + ", below the minimum " +
                        ratio(kMinContrastRatio));
  if (check.spelling_match == false)
    add_note(check, "the glyphs as drawn read \"" + check.spelling_read.value_or("") + "\"");
  std::string later;
  for (const std::string& change : layer.later_changes) later += (later.empty() ? "" : ", ") + change;
  if (!later.empty()) add_note(check, "after it was typeset: " + later);
}

TextCheck verify_in_output(const Image& output, const TextLayer& layer) {
  TextCheck check;
  check.expected = layer.text;
  check.layer = layer;
  const OcrModels ocr = ocr_models_for(layer.text);
  if (layer.coverage.empty()) {
    check.read = "";
    check.match = false;
    check.status = TextStatus::failed;
    check.note = "nothing visible was drawn (the text lies outside the image)";
  } else if (ocr.models.empty()) {
    check.note = ocr.reason;
  } else {
    try {
      check_spelling(check, layer, ocr.models);
      const TextInOutput found = read_in_output(output, layer, ocr.models);
      check.read = found.read;
      check.visible_share = found.visible_share;
      // Legibility: until a later step changes pixels in its box, the contrast measured at placement
      // (the fill against exactly what lay under it, outline, shadow and badge included) holds; after
      // one, only the output can tell (letters against a ring of pixels around them).
      if (found.visible_share > 0)
        check.output_contrast = layer.later_changes.empty() ? layer.contrast_ratio_p5 : found.contrast_ratio;
      const bool legible = found.visible_share > 0 && check.output_contrast.value_or(0) >= kMinContrastRatio;
      check.match = legible && text_matches(layer.text, found.read);
      if (*check.match) {
        check.status = TextStatus::passed;
      } else if (!layer.superseded.empty()) {
        check.status = TextStatus::superseded;
        add_note(check, layer.superseded + "; the output no longer reads it");
      } else if (layer.low_contrast_allowed && !legible && found.visible_share >= kWhollyVisible) {
        check.status = TextStatus::accepted;
        add_note(check, "its contrast in the output is " + ratio(*check.output_contrast) + ", below the minimum " +
                            ratio(kMinContrastRatio) + ": placed so on purpose (layout.color says why)");
      } else {
        check.status = TextStatus::failed;
        if (found.visible_share <= 0) add_note(check, "none of it is in the output");
        explain_failure(check, layer, legible);
      }
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::capability) throw;
      check.note = error.what();
    }
  }
  add_typesetting_notes(check, layer);
  return check;
}

}  // namespace

TextVerification verify_output_text(const Image& output, const std::vector<TextLayer>& layers) {
  TextVerification verification;
  for (const TextLayer& layer : layers) {
    verification.checks.push_back(verify_in_output(output, layer));
    if (verification.checks.back().status == TextStatus::failed) verification.ok = false;
  }
  return verification;
}

const char* status_name(TextStatus status) {
  switch (status) {
    case TextStatus::passed:
      return "passed";
    case TextStatus::failed:
      return "failed";
    case TextStatus::superseded:
      return "superseded";
    case TextStatus::accepted:
      return "accepted";
    case TextStatus::unverified:
      return "unverified";
  }
  return "unverified";
}

nlohmann::json to_json(const TextCheck& check) {
  nlohmann::json entry = {{"expected", check.expected},
                          {"read", check.read ? nlohmann::json(*check.read) : nlohmann::json(nullptr)},
                          {"match", check.match ? nlohmann::json(*check.match) : nlohmann::json(nullptr)},
                          {"status", status_name(check.status)}};
  if (!check.note.empty()) entry["note"] = check.note;
  if (check.spelling_read)
    entry["spelling"] = {{"read", *check.spelling_read}, {"match", check.spelling_match.value_or(false)}};
  if (check.layer) {
    const TextLayer& layer = *check.layer;
    entry["box"] = {layer.box.x, layer.box.y, layer.box.width, layer.box.height};
    entry["size_px"] = layer.size_px;
    entry["lines"] = layer.line_count;
    entry["fonts"] = layer.fonts;
    if (!layer.missing.empty()) entry["missing_glyphs"] = layer.missing;
    if (!layer.substitution.empty()) entry["font_substitution"] = layer.substitution;
    entry["legibility"] = {{"contrast_ratio", layer.contrast_ratio},
                           {"contrast_ratio_p5", layer.contrast_ratio_p5},
                           {"minimum", kMinContrastRatio}};
    if (check.output_contrast) entry["legibility"]["in_output"] = *check.output_contrast;
    if (layer.low_contrast_allowed) entry["legibility"]["low_contrast_allowed"] = true;
    if (!layer.layout.empty()) entry["layout"] = layer.layout;
    if (!layer.later_changes.empty()) entry["later_changes"] = layer.later_changes;
  }
  if (check.layer && check.read) entry["visible"] = check.visible_share;
  return entry;
}

std::vector<std::string> text_problems(const TextVerification& verification) {
  std::vector<std::string> problems;
  for (const TextCheck& check : verification.checks) {
    if (check.status == TextStatus::failed) {
      problems.push_back("text check failed: expected \"" + check.expected + "\", the output reads \"" +
                         check.read.value_or("") + "\"" + (check.note.empty() ? "" : " (" + check.note + ")"));
    } else if (check.status == TextStatus::unverified) {
      problems.push_back("text not verified: \"" + check.expected + "\": " + check.note);
    }
  }
  return problems;
}

}  // namespace easel
