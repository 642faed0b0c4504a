// text.replace: find a string in the photo with OCR word boxes, erase it (classical inpainting, or
// diffusion inpainting of the letters' pixels with fill = generative), and typeset the replacement at
// the original's size, colour, slant and baseline.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>

#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/generation.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/typeset/text_composite.hpp"
#include "easel/typeset/text_erase.hpp"
#include "easel/typeset/text_legibility.hpp"
#include "easel/typeset/text_shaping.hpp"
#include "easel/typeset/typeset.hpp"
#include "easel/vision/find_text.hpp"
#include "easel/vision/text_slant.hpp"

namespace easel {
namespace {

// The size the found string is typeset at to learn its ink height per pixel of font size.
constexpr double kReferenceSizePx = 100;
// Leans below this are measurement noise on upright text; shearing would only soften the glyphs.
constexpr double kMinSlantDegrees = 3;

// Diffusion inpainting of the hole with the photo around it as context (inpaint_within cuts and scales it).
HoleFiller generative_filler(const cv::Mat& image, const Params& p, const RunContext& context) {
  return [&image, &p, &context](const cv::Mat&, const cv::Mat& hole, const cv::Rect& where) {
    cv::Mat weight(image.size(), CV_32F, cv::Scalar(0));
    weight(where).setTo(1, hole);
    GenerationRequest request =
        generation_request(p, GenerationMode::inpaint, "text.replace with fill generative", context);
    request.strength = 1.0;
    const Image filled = inpaint_within(Image(image), weight, std::move(request),
                                        static_cast<int>(p.integer("working_size")), "text.replace", context);
    cv::Mat rgb;
    cv::cvtColor(filled.to_rgba8().mat()(where), rgb, cv::COLOR_RGBA2RGB);
    return rgb;
  };
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
    cv::warpAffine(text.color_glyphs, text.color_glyphs, transform, text.color_glyphs.size(), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT);
    cv::Mat alpha;
    cv::extractChannel(text.color_glyphs, alpha, 3);
    ink |= cv::boundingRect(alpha);
  }
  text.ink = ink;
}

// The weight of the letters found: regular or bold in the replacement's font, whichever strokes are
// nearer in width (relative to the letters' height) to the found letters'. Says why in `note`.
std::string matched_weight(const std::string& wanted, FontRequest font, double found_share, std::string& note) {
  std::string best = "regular";
  double best_distance = 1e9;
  char measured[160];
  std::snprintf(measured, sizeof measured, "the letters' strokes are %.3f of their height", found_share);
  note = measured;
  for (const char* weight : {"regular", "bold"}) {
    font.weight = weight;
    TextStyle style;
    style.font = font;
    style.size_px = kReferenceSizePx;
    const TypesetText reference = typeset(
        wanted, style, cv::Size(static_cast<int>(kReferenceSizePx) * 4 * static_cast<int>(wanted.size() + 1), 400));
    if (reference.ink.empty()) continue;
    const double share = stroke_share_of(reference.coverage(reference.ink) >= 128, reference.ink.height);
    std::snprintf(measured, sizeof measured, "; %s %.3f", weight, share);
    note += measured;
    const double distance = std::abs(std::log(std::max(share, 1e-3) / std::max(found_share, 1e-3)));
    if (distance < best_distance) best_distance = distance, best = weight;
  }
  note = best + " (" + note + ")";
  return best;
}

struct Fitted {
  TypesetText text;
  cv::Point offset;  // where the coverage's (0, 0) lies in the image
  std::string note;
};

// The replacement in the room the old word's background leaves (less a margin of a tenth of its
// height): at the old word's size on its baseline and centre when it fits there (moved sideways to stay
// inside), else at the largest size that fits the room, broken into lines when that is larger, centred
// on the old word as far as the room allows.
Fitted fit_replacement(const std::string& replacement, TextStyle style, const TypesetText& original,
                       const ErasedText& erased, double lean_degrees) {
  const int margin = std::max(1, erased.ink.height / 10);
  cv::Rect room(erased.room.x + margin, erased.room.y + margin, erased.room.width - 2 * margin,
                erased.room.height - 2 * margin);
  room |= erased.ink;
  const cv::Size wide(std::max(4 * (erased.room.width + erased.ink.height), 64), std::max(4 * erased.ink.height, 64));
  Fitted fitted{typeset(replacement, style, wide), {}, {}};
  if (std::abs(lean_degrees) >= kMinSlantDegrees) lean(fitted.text, lean_degrees);
  char note[200];
  if (fitted.text.ink.width <= room.width) {
    // Both strings share one line box: mapping the original's ink onto the found ink puts the
    // replacement on the same baseline, centred where the old text was.
    const cv::Point found_centre(erased.ink.x + erased.ink.width / 2, erased.ink.y);
    const cv::Point original_centre(original.ink.x + original.ink.width / 2, original.ink.y);
    fitted.offset = found_centre - original_centre;
    const int left = fitted.text.ink.x + fitted.offset.x, right = left + fitted.text.ink.width;
    fitted.offset.x += std::max(0, room.x - left) - std::max(0, right - room.br().x);
    std::snprintf(note, sizeof note,
                  "kept the replaced text's %.1f px: it fits the %d px the background around it leaves", style.size_px,
                  room.width);
    fitted.note = note;
    return fitted;
  }
  const double matched = style.size_px;
  style.max_size_px = matched;
  style.size_px = 0;
  fitted.text = typeset(replacement, style, room.size());
  if (std::abs(lean_degrees) >= kMinSlantDegrees) lean(fitted.text, lean_degrees);
  // Centred on the old text where the room allows (it need not lie in the room's middle).
  fitted.offset = room.tl() - fitted.text.origin;
  const cv::Rect ink = fitted.text.ink + fitted.offset;
  const cv::Point wanted = (erased.ink.tl() + erased.ink.br()) / 2 - (ink.tl() + ink.br()) / 2;
  fitted.offset += cv::Point(std::clamp(wanted.x, room.x - ink.x, std::max(room.x - ink.x, room.br().x - ink.br().x)),
                             std::clamp(wanted.y, room.y - ink.y, std::max(room.y - ink.y, room.br().y - ink.br().y)));
  std::snprintf(note, sizeof note, "%.1f to %.1f px", matched, fitted.text.size_px);
  const int lines = fitted.text.line_count;
  fitted.note =
      (lines > 1 ? "reflowed into " + std::to_string(lines) + " lines and shrunk from " : std::string("shrunk from ")) +
      note + " to fit the " + std::to_string(room.width) + " x " + std::to_string(room.height) +
      " px the background around the old text leaves";
  return fitted;
}

OpOutput replace_text(const Image& input, const Params& p, const Placement& placement, const RunContext& context) {
  const cv::Rect& area = placement.area;
  const std::string wanted = p.text("find"), replacement = p.text("replace");
  std::optional<cv::Rect> box = find_text(input.to_rgba8().mat()(area), wanted);
  if (box) *box += area.tl();
  if (!box) throw Error(ErrorKind::input, "text.replace: OCR did not find \"" + wanted + "\" in the image");

  OpOutput output;
  output.image = input.to_rgba8().clone();
  const std::string fill = p.text("fill");
  const bool generative = fill == "generative" || (fill == "auto" && p.has("model"));
  const cv::Mat source = input.to_rgba8().mat();
  const ErasedText erased = erase_text(output.image.mat(), *box,
                                       generative ? generative_filler(source, p, context) : HoleFiller(inpaint_hole));
  json layout = {{"erase", generative ? "generative fill" : erased.fill}};

  TextStyle style;
  style.font = FontRequest{p.text("font"), p.text("weight"), p.boolean("italic")};
  if (style.font.weight == "auto" && !names_weight(style.font.description)) {
    std::string why;
    style.font.weight = matched_weight(wanted, style.font, erased.stroke_share, why);
    layout["weight"] = why;
  }
  // Size: the found string's ink height per pixel of font size, in this font, scaled to the box.
  const cv::Size room(std::max(4 * input.width(), 64), std::max(4 * box->height, 64));
  style.size_px = kReferenceSizePx;
  const TypesetText reference = typeset(wanted, style, room);
  if (reference.ink.empty())
    throw Error(ErrorKind::plan, "text.replace: \"" + wanted + "\" has no visible glyphs in font " + p.text("font"));
  style.size_px = p.has("size")
                      ? p.number("size")
                      : std::clamp(kReferenceSizePx * erased.ink.height / reference.ink.height, kMinFontPx, kMaxFontPx);
  TypesetText original = typeset(wanted, style, room);
  // The chosen font may lean already (an italic); only the difference is added.
  const double extra_lean =
      original.ink.empty() ? 0 : erased.slant_degrees - measure_slant_degrees(original.coverage(original.ink));
  if (std::abs(extra_lean) >= kMinSlantDegrees) lean(original, extra_lean);
  const Fitted fitted = fit_replacement(replacement, style, original, erased, extra_lean);
  layout["size"] = fitted.note;
  layout["area"] = {erased.room.x, erased.room.y, erased.room.width, erased.room.height};

  TextPaint paint;
  const std::string color = p.text("color");
  paint.fill = color == "auto" ? erased.text_color : *parse_color(color);
  paint.size_px = fitted.text.size_px;
  LegibilityRules rules;
  rules.op = "text.replace";
  rules.allow_low_contrast = p.boolean("allow_low_contrast");
  rules.color_origin = color == "auto" ? "the colour of the text found" : "as asked";
  const LegiblePaint legible = paint_legibly(
      output.image.mat(), GlyphsToPaint{fitted.text.coverage, fitted.text.color_glyphs, fitted.offset, fitted.text.ink},
      paint, rules);
  output.changed = legible.painted.changed.empty() ? erased.changed : (erased.changed | legible.painted.changed);
  layout["color"] = legible.color_note;

  TextLayer layer;
  layer.text = replacement;
  layer.replaces = wanted;
  const cv::Rect ink = fitted.text.ink;
  if (!ink.empty()) {
    layer.coverage = fitted.text.coverage(ink).clone();
    for (const cv::Rect& line : fitted.text.line_boxes) {
      const cv::Rect visible = line & ink;
      if (!visible.empty()) layer.line_boxes.push_back(visible - ink.tl());
    }
    const cv::Point at = fitted.offset + ink.tl();
    transform_layer(layer, cv::Matx33d(1, 0, at.x, 0, 1, at.y, 0, 0, 1));
  }
  record_typeset_facts(layer, fitted.text, legible.painted);
  layer.fits = fitted.text.fits;
  layer.low_contrast_allowed = legible.low_contrast_allowed;
  layer.layout = std::move(layout);
  output.text_layers.push_back(std::move(layer));
  return output;
}

void check(const Params& p, const std::string& where) {
  for (const char* name : {"find", "replace"}) {
    const std::string text = p.text(name);
    if (text.empty() || text.size() > kMaxTextBytes) {
      throw Error(ErrorKind::plan,
                  where + ": parameter '" + name + "' must be 1 to " + std::to_string(kMaxTextBytes) + " bytes");
    }
    for (const Utf8Char& ch : decode_utf8(text, where)) {
      if (ch.value < 0x20 || ch.value == 0x7F)
        throw Error(ErrorKind::plan, where + ": parameter '" + name + "' contains a control character");
    }
  }
  const std::string color = p.text("color");
  if (color != "auto" && !parse_color(color))
    throw Error(ErrorKind::plan, where + ": parameter 'color' must be a colour or \"auto\", got \"" + color + "\"");
}

}  // namespace

void register_text_replace(Registry& registry) {
  OperationSpec spec;
  spec.name = "text.replace";
  spec.description =
      "Find a string in the photo (OCR), erase it and typeset a replacement at its size, colour and baseline";
  ParamSpec find = make_param("find", ParamType::string,
                              "The text to find, as it reads in the photo (whole words, one line)", nullptr);
  find.required = true;
  ParamSpec replace = make_param("replace", ParamType::string, "The new text", nullptr);
  replace.required = true;
  ParamSpec weight = make_param(
      "weight", ParamType::choice,
      "Weight of the replacement; auto takes it from the font description, else from the strokes of the text found",
      "auto");
  weight.choices = font_weight_names();
  ParamSpec size = make_param("size", ParamType::number, "Font size; absent: the size of the text found", nullptr);
  size.min = kMinFontPx;
  size.max = kMaxFontPx;
  size.unit = "px";
  spec.params = {
      find,
      replace,
      make_param("font", ParamType::string, "Font of the replacement: family name or description (see text.add)",
                 "sans"),
      weight,
      make_param("italic", ParamType::boolean,
                 "Italic replacement (an upright font is leant like the text found in any case)", false),
      size,
      make_param("color", ParamType::string, "Colour of the replacement, or \"auto\": the colour of the text found",
                 "auto"),
      make_param("allow_low_contrast", ParamType::boolean,
                 "Place the replacement even where its contrast is below the minimum (3:1); the report says so", false),
      make_choice(
          "fill",
          "How the old letters are erased: classical inpainting, or generative (diffusion inpainting; needs a model); "
          "auto = generative when the step names a model, else classical",
          {"auto", "classical", "generative"}, "auto"),
      make_param("prompt", ParamType::string,
                 "fill = generative: what the area under the old letters shows (empty: its surroundings)", ""),
      working_size_param()};
  for (auto& param : generation_params()) spec.params.push_back(std::move(param));
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask};
  spec.model = "ocr";
  spec.place = replace_text;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
