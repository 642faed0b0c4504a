// text.replace: find a string in the photo with OCR word boxes, erase it (classical inpainting; the
// generative fill arrives with the diffusion engine through this op), and typeset the replacement at the
// original's size, colour, slant and baseline.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/text_composite.hpp"
#include "easel/ops/text_shaping.hpp"
#include "easel/ops/typeset.hpp"
#include "easel/vision/ocr.hpp"
#include "easel/vision/text_lines.hpp"
#include "easel/vision/text_slant.hpp"

namespace easel {
namespace {

// The size the found string is typeset at to learn its ink height per pixel of font size.
constexpr double kReferenceSizePx = 100;
// Leans below this are measurement noise on upright text; shearing would only soften the glyphs.
constexpr double kMinSlantDegrees = 3;

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

// The colour behind the letters in a word's box. The box holds two colour groups, letters and what is
// behind them (a badge, a sign, the photo), in any proportion (bold display text can cover most of it):
// of two k-means clusters, the background is the one that owns more of the box's border.
cv::Vec3f background_color(const cv::Mat& rgb_box) {
  cv::Mat samples;
  rgb_box.clone().reshape(1, static_cast<int>(rgb_box.total())).convertTo(samples, CV_32F);
  cv::Mat labels, centers;
  cv::kmeans(samples, 2, labels, cv::TermCriteria(cv::TermCriteria::EPS + cv::TermCriteria::COUNT, 20, 0.5), 3, cv::KMEANS_PP_CENTERS, centers);
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

// Each candidate line, cut out with a margin, read alone until one reads `wanted`.
std::optional<cv::Rect> locate(const cv::Mat& rgba, const std::string& wanted) {
  const std::vector<cv::Mat> views = grey_views(rgba);
  const std::vector<cv::Rect> lines = text_line_candidates(views);
  for (int view_index = -1; view_index < static_cast<int>(views.size()); ++view_index) {
    for (const cv::Rect& line : lines) {
      const int pad = std::max(4, line.height / 3);
      const cv::Rect crop = cv::Rect(line.x - pad, line.y - pad, line.width + 2 * pad, line.height + 2 * pad) & cv::Rect(0, 0, rgba.cols, rgba.rows);
      const cv::Mat view = view_index < 0 ? distance_view(rgba(crop)) : views[static_cast<std::size_t>(view_index)](crop).clone();
      std::vector<OcrWord> found = find_words(view, TextLayout::single_line);
      for (auto& word : found) word.box += crop.tl();
      if (const auto box = find_string(found, wanted)) return box;
    }
  }
  return std::nullopt;
}

struct Erased {
  cv::Rect changed;
  cv::Rect ink;           // the text's own pixels, tighter than OCR's word box
  cv::Scalar text_color;  // RGBA
  double slant_degrees;   // lean of the text's strokes, positive like italics
};

// The longest run of rows (or columns) in which text pixels cover at least `share` of the line.
std::pair<int, int> dense_run(const cv::Mat& text_pixels, int axis, double share) {
  cv::Mat counts;
  cv::reduce(text_pixels / 255, counts, axis, cv::REDUCE_SUM, CV_32S);
  const int length = static_cast<int>(counts.total());
  const double needed = share * (axis == 1 ? text_pixels.cols : text_pixels.rows);
  int best_start = 0, best_length = 0;
  for (int i = 0; i < length;) {
    if (counts.at<int>(i) < needed) {
      ++i;
      continue;
    }
    int j = i;
    while (j < length && counts.at<int>(j) >= needed) ++j;
    if (j - i > best_length) best_start = i, best_length = j - i;
    i = j;
  }
  return {best_start, best_length};
}

// The text's own bounds inside OCR's word box, which often includes a badge's or sign's margin: the
// longest run of rows with text pixels, then the columns with any text pixel within those rows.
cv::Rect ink_within(const cv::Mat& text_pixels, const cv::Rect& box) {
  const cv::Mat inside = text_pixels(box);
  const auto [top, height] = dense_run(inside, 1, 0.02);
  if (height == 0) return box;
  const cv::Rect columns = cv::boundingRect(inside.rowRange(top, top + height));
  if (columns.empty()) return box;
  return cv::Rect(box.x + columns.x, box.y + top, columns.width, height);
}

// The text's pixels are those in OCR's word box far (in colour) from the box's background; they are
// dilated to take their anti-aliased edges and any outline, then filled from the surroundings (Telea).
Erased erase_text(cv::Mat& image, const cv::Rect& box) {
  const int pad = std::max(3, static_cast<int>(std::lround(0.3 * box.height)));
  const cv::Rect bounds(0, 0, image.cols, image.rows);
  const cv::Rect window = cv::Rect(box.x - 2 * pad, box.y - 2 * pad, box.width + 4 * pad, box.height + 4 * pad) & bounds;
  cv::Mat rgb;
  cv::cvtColor(image(window), rgb, cv::COLOR_RGBA2RGB);

  const cv::Vec3f background = background_color(rgb(box - window.tl()));
  cv::Mat distance(window.size(), CV_8U, cv::Scalar(0));
  for (int y = 0; y < rgb.rows; ++y) {
    for (int x = 0; x < rgb.cols; ++x) {
      const cv::Vec3f difference = cv::Vec3f(rgb.at<cv::Vec3b>(y, x)) - background;
      distance.at<uchar>(y, x) = cv::saturate_cast<uchar>(std::sqrt(difference.dot(difference)) / std::sqrt(3.0));
    }
  }
  const cv::Rect local = box - window.tl();
  cv::Mat text_pixels(window.size(), CV_8U, cv::Scalar(0));
  cv::threshold(distance(local), text_pixels(local), 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);

  // The text's colour: the pixels farthest from the background (the fill, not the anti-aliased rim).
  double far = 0;
  cv::minMaxLoc(distance(local), nullptr, &far);
  const cv::Mat core = (distance > 0.6 * far) & text_pixels;
  const cv::Scalar color = cv::countNonZero(core) > 0 ? cv::mean(rgb, core) : cv::Scalar(0, 0, 0);

  const cv::Rect ink = ink_within(text_pixels, local) + window.tl();
  const double slant = measure_slant_degrees(text_pixels(ink - window.tl()));
  const int grow = std::max(2, box.height / 10);
  cv::dilate(text_pixels, text_pixels, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
  cv::Mat filled;
  cv::inpaint(rgb, text_pixels, filled, 3, cv::INPAINT_TELEA);
  for (int y = 0; y < filled.rows; ++y) {
    for (int x = 0; x < filled.cols; ++x) {
      if (!text_pixels.at<uchar>(y, x)) continue;
      auto& pixel = image.at<cv::Vec4b>(window.y + y, window.x + x);
      const auto& fill = filled.at<cv::Vec3b>(y, x);
      pixel = {fill[0], fill[1], fill[2], pixel[3]};
    }
  }
  return {window, ink, cv::Scalar(color[0], color[1], color[2], 255), slant};
}

// Leans typeset text like the text it replaces (a synthetic oblique: the font's own italic has a
// different lean and shapes), about the bottom of its ink so the baseline stays where it was.
void lean(TypesetText& text, double degrees) {
  if (text.ink.empty()) return;
  const double shear = std::tan(degrees * std::numbers::pi / 180);
  const double bottom = text.ink.br().y - 1;
  const cv::Matx23d transform(1, -shear, shear * bottom, 0, 1, 0);
  cv::warpAffine(text.coverage, text.coverage, transform, text.coverage.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::Rect ink = cv::boundingRect(text.coverage);
  if (!text.color_glyphs.empty()) {
    cv::warpAffine(text.color_glyphs, text.color_glyphs, transform, text.color_glyphs.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
    cv::Mat alpha;
    cv::extractChannel(text.color_glyphs, alpha, 3);
    ink |= cv::boundingRect(alpha);
  }
  text.ink = ink;
}

OpOutput replace_text(const Image& input, const Params& p, const cv::Rect& area) {
  const std::string wanted = p.text("find"), replacement = p.text("replace");
  std::optional<cv::Rect> box = locate(input.to_rgba8().mat()(area), wanted);
  if (box) *box += area.tl();
  if (!box) throw Error(ErrorKind::input, "text.replace: OCR did not find \"" + wanted + "\" in the image");

  OpOutput output;
  output.image = input.to_rgba8().clone();
  const Erased erased = erase_text(output.image.mat(), *box);

  // Size: the found string's ink height per pixel of font size, in this font, scaled to the box.
  TextStyle style;
  style.font = FontRequest{p.text("font"), p.text("weight"), p.boolean("italic")};
  const cv::Size room(std::max(4 * input.width(), 64), std::max(4 * box->height, 64));
  style.size_px = kReferenceSizePx;
  const TypesetText reference = typeset(wanted, style, room);
  if (reference.ink.empty()) throw Error(ErrorKind::plan, "text.replace: \"" + wanted + "\" has no visible glyphs in font " + p.text("font"));
  style.size_px = p.has("size") ? p.number("size") : std::clamp(kReferenceSizePx * erased.ink.height / reference.ink.height, kMinFontPx, kMaxFontPx);
  TypesetText original = typeset(wanted, style, room);
  TypesetText typeset_text = typeset(replacement, style, room);
  // The chosen font may lean already (an italic); only the difference is added.
  const double extra_lean = original.ink.empty() ? 0 : erased.slant_degrees - measure_slant_degrees(original.coverage(original.ink));
  if (std::abs(extra_lean) >= kMinSlantDegrees) {
    lean(original, extra_lean);
    lean(typeset_text, extra_lean);
  }

  // Both strings share one line box (same size, centred): mapping the original's ink onto the found
  // box puts the replacement on the same baseline, centred where the old text was.
  const cv::Point centre_of_found(erased.ink.x + erased.ink.width / 2, erased.ink.y);
  const cv::Point centre_of_original(original.ink.x + original.ink.width / 2, original.ink.y);
  const cv::Point offset = centre_of_found - centre_of_original;
  TextPaint paint;
  const std::string color = p.text("color");
  paint.fill = color == "auto" ? erased.text_color : *parse_color(color);
  const PaintedText painted = paint_text(output.image.mat(), typeset_text.coverage, typeset_text.color_glyphs, offset, typeset_text.ink, paint);
  output.changed = painted.changed.empty() ? erased.changed : (erased.changed | painted.changed);

  TextLayer layer;
  layer.text = replacement;
  layer.box = (typeset_text.ink + offset) & cv::Rect(0, 0, input.width(), input.height());
  if (!layer.box.empty()) layer.coverage = typeset_text.coverage(layer.box - offset).clone();
  if (!layer.box.empty()) layer.line_boxes.push_back(cv::Rect(cv::Point(0, 0), layer.box.size()));
  record_typeset_facts(layer, typeset_text, painted);
  output.text_layers.push_back(std::move(layer));
  return output;
}

void check(const Params& p, const std::string& where) {
  for (const char* name : {"find", "replace"}) {
    const std::string text = p.text(name);
    if (text.empty() || text.size() > kMaxTextBytes) {
      throw Error(ErrorKind::plan, where + ": parameter '" + name + "' must be 1 to " + std::to_string(kMaxTextBytes) + " bytes");
    }
    for (const Utf8Char& ch : decode_utf8(text, where)) {
      if (ch.value < 0x20 || ch.value == 0x7F) throw Error(ErrorKind::plan, where + ": parameter '" + name + "' contains a control character");
    }
  }
  const std::string color = p.text("color");
  if (color != "auto" && !parse_color(color)) throw Error(ErrorKind::plan, where + ": parameter 'color' must be a colour or \"auto\", got \"" + color + "\"");
}

}  // namespace

void register_text_replace(Registry& registry) {
  OperationSpec spec;
  spec.name = "text.replace";
  spec.description = "Find a string in the photo (OCR), erase it and typeset a replacement at its size, colour and baseline";
  ParamSpec find = make_param("find", ParamType::string, "The text to find, as it reads in the photo (whole words, one line)", nullptr);
  find.required = true;
  ParamSpec replace = make_param("replace", ParamType::string, "The new text", nullptr);
  replace.required = true;
  ParamSpec weight = make_param("weight", ParamType::choice, "Weight of the replacement; auto takes it from the font description", "auto");
  weight.choices = font_weight_names();
  ParamSpec size = make_param("size", ParamType::number, "Font size; absent: the size of the text found", nullptr);
  size.min = kMinFontPx;
  size.max = kMaxFontPx;
  size.unit = "px";
  spec.params = {find,
                 replace,
                 make_param("font", ParamType::string, "Font of the replacement: family name or description (see text.add)", "sans"),
                 weight,
                 make_param("italic", ParamType::boolean, "Italic replacement (an upright font is leant like the text found in any case)", false),
                 size,
                 make_param("color", ParamType::string, "Colour of the replacement, or \"auto\": the colour of the text found", "auto")};
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask};
  spec.model = "ocr";
  spec.place = replace_text;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
