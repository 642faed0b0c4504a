// text.replace: find a string in the photo with OCR word boxes, erase it (classical inpainting, or
// diffusion inpainting of the letters' pixels with fill = generative), and typeset the replacement at
// the original's size, colour, slant and baseline.
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <numbers>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/text_composite.hpp"
#include "easel/ops/text_shaping.hpp"
#include "easel/ops/typeset.hpp"
#include "easel/vision/find_text.hpp"
#include "easel/vision/text_slant.hpp"

namespace easel {
namespace {

// The size the found string is typeset at to learn its ink height per pixel of font size.
constexpr double kReferenceSizePx = 100;
// Leans below this are measurement noise on upright text; shearing would only soften the glyphs.
constexpr double kMinSlantDegrees = 3;

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

// Fills `hole` (CV_8U, the window's size) of the RGB `window` cut from the image at `where`.
using HoleFiller = std::function<cv::Mat(const cv::Mat& window, const cv::Mat& hole, const cv::Rect& where)>;

cv::Mat fill_classical(const cv::Mat& window, const cv::Mat& hole, const cv::Rect&) {
  cv::Mat filled;
  cv::inpaint(window, hole, filled, 3, cv::INPAINT_TELEA);
  return filled;
}

// Diffusion inpainting of the hole with the photo around it as context (inpaint_within cuts and scales it).
HoleFiller generative_filler(const cv::Mat& image, const Params& p, const RunContext& context) {
  return [&image, &p, &context](const cv::Mat&, const cv::Mat& hole, const cv::Rect& where) {
    cv::Mat weight(image.size(), CV_32F, cv::Scalar(0));
    weight(where).setTo(1, hole);
    GenerationRequest request = generation_request(p, GenerationMode::inpaint, "text.replace with fill generative", context);
    request.strength = 1.0;
    const Image filled = inpaint_within(Image(image), weight, std::move(request), static_cast<int>(p.integer("working_size")), "text.replace", context);
    cv::Mat rgb;
    cv::cvtColor(filled.to_rgba8().mat()(where), rgb, cv::COLOR_RGBA2RGB);
    return rgb;
  };
}

// The text's pixels are those in OCR's word box far (in colour) from the box's background; they are
// dilated to take their anti-aliased edges and any outline, then filled from the surroundings.
Erased erase_text(cv::Mat& image, const cv::Rect& box, const HoleFiller& fill_hole) {
  const int pad = std::max(3, static_cast<int>(std::lround(0.3 * box.height)));
  const cv::Rect bounds(0, 0, image.cols, image.rows);
  const cv::Rect window = cv::Rect(box.x - 2 * pad, box.y - 2 * pad, box.width + 4 * pad, box.height + 4 * pad) & bounds;
  cv::Mat rgb;
  cv::cvtColor(image(window), rgb, cv::COLOR_RGBA2RGB);

  const cv::Rect local = box - window.tl();
  LetterPixels letters = letter_pixels(rgb, local);
  const cv::Mat& distance = letters.distance;
  cv::Mat& text_pixels = letters.mask;

  // The text's colour: the pixels farthest from the background (the fill, not the anti-aliased rim).
  double far = 0;
  cv::minMaxLoc(distance(local), nullptr, &far);
  const cv::Mat core = (distance > 0.6 * far) & text_pixels;
  const cv::Scalar color = cv::countNonZero(core) > 0 ? cv::mean(rgb, core) : cv::Scalar(0, 0, 0);

  const cv::Rect ink = ink_within(text_pixels, local) + window.tl();
  const double slant = measure_slant_degrees(text_pixels(ink - window.tl()));
  const int grow = std::max(2, box.height / 10);
  cv::dilate(text_pixels, text_pixels, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * grow + 1, 2 * grow + 1)));
  const cv::Mat filled = fill_hole(rgb, text_pixels, window);
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

OpOutput replace_text(const Image& input, const Params& p, const cv::Rect& area, const RunContext& context) {
  const std::string wanted = p.text("find"), replacement = p.text("replace");
  std::optional<cv::Rect> box = find_text(input.to_rgba8().mat()(area), wanted);
  if (box) *box += area.tl();
  if (!box) throw Error(ErrorKind::input, "text.replace: OCR did not find \"" + wanted + "\" in the image");

  OpOutput output;
  output.image = input.to_rgba8().clone();
  const std::string fill = p.text("fill");
  const bool generative = fill == "generative" || (fill == "auto" && p.has("model"));
  const cv::Mat source = input.to_rgba8().mat();
  const Erased erased = erase_text(output.image.mat(), *box, generative ? generative_filler(source, p, context) : HoleFiller(fill_classical));

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
                 make_param("color", ParamType::string, "Colour of the replacement, or \"auto\": the colour of the text found", "auto"),
                 make_choice("fill", "How the old letters are erased: classical inpainting, or generative (diffusion inpainting; needs a model); "
                                     "auto = generative when the step names a model, else classical",
                             {"auto", "classical", "generative"}, "auto"),
                 make_param("prompt", ParamType::string, "fill = generative: what the area under the old letters shows (empty: its surroundings)", ""),
                 working_size_param()};
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask};
  spec.model = "ocr";
  spec.place = replace_text;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
