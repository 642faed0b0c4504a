// text.add: typeset a string into the step's target (a named region, a box or the bounding box of a
// mask), with a font chosen by name or description, a given size or the largest that fits, and
// optional outline, drop shadow, badge and opacity. Only the pixels of the text and its effects change.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/typeset/text_composite.hpp"
#include "easel/typeset/text_layout.hpp"
#include "easel/typeset/text_legibility.hpp"
#include "easel/typeset/text_shaping.hpp"
#include "easel/typeset/typeset.hpp"

namespace easel {
namespace {

// Share of the area's shorter side kept free around the text when no margin is given.
constexpr double kDefaultMarginShare = 0.04;
// Fitted text grows at most to this share of the image's shorter side unless max_size says otherwise:
// "at the top" means a title, not letters half the photo high.
constexpr double kDefaultMaxSizeShare = 0.25;
// Laid-out text keeps this share of the image's shorter side between itself and what it avoids.
constexpr double kClearGapShare = 0.025;
// Clear space is used only when it holds text at least this large (a share of the shorter side, and px).
constexpr double kMinLaidOutShare = 0.05;
constexpr double kMinLaidOutPx = 12;
// Text that has to overlap the subject grows at most to this share of the shorter side (unless its size
// or max_size is given), against the edge the area names: a caption over it, not a poster across it.
constexpr double kOverlapMaxSizeShare = 0.1;
constexpr double kWatermarkOpacity = 0.5;

std::optional<cv::Scalar> color_or_auto(const Params& p, const std::string& name) {
  const std::string value = p.text(name);
  if (value == "auto") return std::nullopt;
  return parse_color(value);
}

TextStyle style_of(const Params& p, const Image& image) {
  TextStyle style;
  style.font = FontRequest{p.text("font"), p.text("weight"), p.boolean("italic")};
  style.size_px = p.has("size") ? p.number("size") : 0;
  style.max_size_px = p.has("max_size")
                          ? p.number("max_size")
                          : std::max(24.0, kDefaultMaxSizeShare * std::min(image.width(), image.height()));
  style.line_spacing = p.number("line_spacing");
  style.letter_spacing_em = p.number("letter_spacing");
  style.align = p.text("align");
  style.valign = p.text("valign");
  return style;
}

TextPaint paint_of(const Params& p, double size) {
  TextPaint paint;
  paint.fill = color_or_auto(p, "color");
  paint.outline_px = p.number("outline");
  paint.outline_color = color_or_auto(p, "outline_color");
  paint.shadow_px = p.number("shadow");
  paint.shadow_blur_px = p.has("shadow_blur") ? p.number("shadow_blur") : paint.shadow_px * 0.5;
  paint.shadow_color = p.color("shadow_color");
  if (p.text("box_color") != "none") {
    paint.box_color = parse_color(p.text("box_color"));
    paint.box_padding_px = p.number("box_padding") * size;
    paint.box_radius_px = p.number("box_radius") * size;
  }
  paint.opacity = p.number("opacity");
  paint.lighting = p.number("lighting");
  paint.size_px = size;
  return paint;
}

// The quad's corners in pixels: top-left, top-right, bottom-right, bottom-left.
std::array<cv::Point2f, 4> quad_corners(const json& fractions, const Image& image) {
  std::array<cv::Point2f, 4> corners;
  for (std::size_t i = 0; i < 4; ++i) {
    corners[i] = {fractions[2 * i].get<float>() * static_cast<float>(image.width()),
                  fractions[2 * i + 1].get<float>() * static_cast<float>(image.height())};
  }
  return corners;
}

// Text on a tilted surface: typeset flat in a rectangle as wide and tall as the quad's average sides,
// then warp the glyph layers onto the quad. Returns the warped layers cut to the quad's bounds, and the
// warp from the flat layer's pixels to the image's.
struct WarpedText {
  cv::Mat coverage, color_glyphs;
  cv::Point offset;
  cv::Rect ink;
  cv::Matx33d flat_to_image;
};

WarpedText warp_onto(const TypesetText& flat, cv::Point flat_area_origin, const std::array<cv::Point2f, 4>& quad,
                     const Image& image) {
  const cv::Point2f o(static_cast<float>(flat_area_origin.x), static_cast<float>(flat_area_origin.y));
  const float width = static_cast<float>(0.5 * (cv::norm(quad[1] - quad[0]) + cv::norm(quad[2] - quad[3])));
  const float height = static_cast<float>(0.5 * (cv::norm(quad[3] - quad[0]) + cv::norm(quad[2] - quad[1])));
  const std::array<cv::Point2f, 4> flat_corners{o, o + cv::Point2f(width, 0), o + cv::Point2f(width, height),
                                                o + cv::Point2f(0, height)};
  const cv::Rect bounds = cv::boundingRect(std::vector<cv::Point2f>(quad.begin(), quad.end())) &
                          cv::Rect(0, 0, image.width(), image.height());
  std::array<cv::Point2f, 4> local_quad;
  for (std::size_t i = 0; i < 4; ++i)
    local_quad[i] = quad[i] - cv::Point2f(static_cast<float>(bounds.x), static_cast<float>(bounds.y));
  const cv::Mat homography = cv::getPerspectiveTransform(flat_corners.data(), local_quad.data());
  WarpedText warped;
  warped.offset = bounds.tl();
  cv::warpPerspective(flat.coverage, warped.coverage, homography, bounds.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  if (!flat.color_glyphs.empty())
    cv::warpPerspective(flat.color_glyphs, warped.color_glyphs, homography, bounds.size(), cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT);
  warped.ink = cv::boundingRect(warped.coverage);
  warped.flat_to_image = cv::Matx33d(1, 0, bounds.x, 0, 1, bounds.y, 0, 0, 1) * cv::Matx33d(homography);
  return warped;
}

cv::Matx33d translation(cv::Point by) {
  return {1, 0, static_cast<double>(by.x), 0, 1, static_cast<double>(by.y), 0, 0, 1};
}

json rect_json(const cv::Rect& rect) { return {rect.x, rect.y, rect.width, rect.height}; }

LegibilityRules legibility_rules(const Params& p, bool backing_possible) {
  LegibilityRules rules;
  rules.op = "text.add";
  rules.backing_allowed = backing_possible && p.text("backing") == "auto";
  rules.allow_low_contrast = p.boolean("allow_low_contrast");
  // Text at half opacity or less (a watermark) is faint on purpose: no backing, and its contrast is
  // reported, not enforced. Slightly translucent text is held to the minimum like opaque text.
  if (p.number("opacity") <= kWatermarkOpacity && !rules.allow_low_contrast) {
    rules.backing_allowed = false;
    rules.allow_low_contrast = true;
    rules.low_contrast_reason = "the step asks for translucent text (opacity 0.5 or less, a watermark)";
  }
  if (p.text("color") != "auto") rules.color_origin = "as asked";
  return rules;
}

// The layer kept for verification: the glyphs' ink cut from the typeset coverage, and how its pixels
// map onto the image (`coverage_to_image` maps the whole typeset coverage).
TextLayer layer_of(const std::string& text, const TypesetText& typeset_text, const cv::Matx33d& coverage_to_image,
                   const LegiblePaint& legible, json layout) {
  TextLayer layer;
  layer.text = text;
  const cv::Rect ink = typeset_text.ink;
  if (!ink.empty()) {
    layer.coverage = typeset_text.coverage(ink).clone();
    for (const cv::Rect& line : typeset_text.line_boxes) {
      const cv::Rect visible = line & ink;
      if (!visible.empty()) layer.line_boxes.push_back(visible - ink.tl());
    }
    layer.to_image = coverage_to_image * translation(ink.tl());
    layer.box = mapped_box(layer);
  }
  record_typeset_facts(layer, typeset_text, legible.painted);
  layer.fits = typeset_text.fits;
  layer.low_contrast_allowed = legible.low_contrast_allowed;
  layout["color"] = legible.color_note;
  layer.layout = std::move(layout);
  return layer;
}

OpOutput add_text_on_quad(const Image& input, const Params& p) {
  const std::array<cv::Point2f, 4> quad = quad_corners(p.values().at("quad"), input);
  const cv::Rect area(0, 0,
                      static_cast<int>(std::lround(0.5 * (cv::norm(quad[1] - quad[0]) + cv::norm(quad[2] - quad[3])))),
                      static_cast<int>(std::lround(0.5 * (cv::norm(quad[3] - quad[0]) + cv::norm(quad[2] - quad[1])))));
  const int margin = p.has("margin")
                         ? static_cast<int>(std::lround(p.number("margin")))
                         : static_cast<int>(std::lround(kDefaultMarginShare * std::min(area.width, area.height)));
  cv::Rect inner(area.x + margin, area.y + margin, area.width - 2 * margin, area.height - 2 * margin);
  if (inner.width < 1 || inner.height < 1) inner = area;
  const TypesetText typeset_text = typeset(p.text("text"), style_of(p, input), inner.size());
  // The flat layer's (0, 0) in the flat area's frame.
  const cv::Point offset = inner.tl() - typeset_text.origin;
  const WarpedText warped = warp_onto(typeset_text, -offset, quad, input);
  OpOutput output;
  output.image = input.to_rgba8().clone();
  // A badge would be an upright rectangle around slanted letters: no automatic backing on a quad.
  const LegiblePaint legible =
      paint_legibly(output.image.mat(), GlyphsToPaint{warped.coverage, warped.color_glyphs, warped.offset, warped.ink},
                    paint_of(p, typeset_text.size_px), legibility_rules(p, false));
  output.changed = legible.painted.changed;
  const json layout = {{"area", "the quad"}, {"size", "the largest size that fits the quad's average sides"}};
  output.text_layers.push_back(layer_of(p.text("text"), typeset_text, warped.flat_to_image, legible, layout));
  return output;
}

// The smallest text worth laying out in clear space: below it the text overlaps what it would avoid.
double smallest_laid_out_size(const Image& image) {
  return std::max(kMinLaidOutPx, kMinLaidOutShare * std::min(image.width(), image.height()));
}

// Text over the subject: smaller (unless the step gave its size or max_size) and against the edge the
// area touches.
void as_caption(TextStyle& style, bool max_size_given, const cv::Rect& area, const Image& input) {
  if (!max_size_given) {
    style.max_size_px = std::min(
        style.max_size_px,
        std::max(smallest_laid_out_size(input), kOverlapMaxSizeShare * std::min(input.width(), input.height())));
  }
  const bool top = area.y == 0, bottom = area.br().y == input.height();
  if (top != bottom) style.valign = top ? "top" : "bottom";
}

// Where in `inner` the text goes: the clear space around `placement.avoid` (the subject, preserved
// regions) where it is largest; failing that, clear of the preserved regions alone; failing that, all of
// `inner` (a caption when only the subject is in the way). Says which in `layout`.
cv::Rect lay_out(const std::string& text, TextStyle& style, bool max_size_given, const cv::Rect& inner,
                 const Placement& placement, const Image& input, json& layout) {
  const bool anything_to_avoid = !placement.avoid.empty() && cv::countNonZero(placement.avoid(inner)) > 0;
  if (!anything_to_avoid) {
    layout["placement"] = placement.avoided.empty()
                              ? "the whole target"
                              : "the whole target: " + placement.avoided + " does not reach into it";
    return inner;
  }
  TextFitter fitter(text, style);
  const int gap = static_cast<int>(std::lround(kClearGapShare * std::min(input.width(), input.height())));
  const double smallest = style.size_px > 0 ? style.size_px : smallest_laid_out_size(input);
  if (const auto spot =
          clear_text_spot(inner, input.mat().size(), placement.avoid, gap, fitter, style.size_px, smallest)) {
    if (!spot->valign.empty()) style.valign = spot->valign;
    layout["placement"] = "clear space in " + part_of_area(spot->rect, inner) + ", clear of " + placement.avoided;
    return spot->rect;
  }
  char size[32];
  std::snprintf(size, sizeof size, "%.0f px", smallest);
  const std::string no_room = std::string("no clear space around ") + placement.avoided + " holds the text at " + size;
  const bool preserved_inside = !placement.keep_out.empty() && cv::countNonZero(placement.keep_out(inner)) > 0;
  if (!preserved_inside) {
    as_caption(style, max_size_given, placement.area, input);
    layout["placement"] = no_room + ", so it overlaps it as a caption against the area's edge";
    return inner;
  }
  if (const auto spot =
          clear_text_spot(inner, input.mat().size(), placement.keep_out, gap, fitter, style.size_px, smallest)) {
    if (!spot->valign.empty()) style.valign = spot->valign;
    layout["placement"] = no_room + "; placed in " + part_of_area(spot->rect, inner) +
                          " over the subject, clear of the preserved regions";
    return spot->rect;
  }
  // Drawn where the step asked; the executor refuses a step that would draw over preserved pixels, and
  // its record says so.
  layout["placement"] = no_room + ", and the preserved regions leave no room for it either";
  return inner;
}

std::string size_note(const Params& p, const TypesetText& typeset_text, double max_size) {
  char note[160];
  if (p.has("size")) {
    std::snprintf(note, sizeof note, "%.1f px as asked, %d line%s", typeset_text.size_px, typeset_text.line_count,
                  typeset_text.line_count == 1 ? "" : "s");
  } else {
    std::snprintf(note, sizeof note, "%.1f px, %d line%s: the largest that fits (at most %.0f px)",
                  typeset_text.size_px, typeset_text.line_count, typeset_text.line_count == 1 ? "" : "s", max_size);
  }
  return note;
}

OpOutput add_text(const Image& input, const Params& p, const Placement& placement, const RunContext&) {
  if (p.has("quad")) return add_text_on_quad(input, p);
  const cv::Rect& area = placement.area;
  const int margin = p.has("margin")
                         ? static_cast<int>(std::lround(p.number("margin")))
                         : static_cast<int>(std::lround(kDefaultMarginShare * std::min(area.width, area.height)));
  cv::Rect inner(area.x + margin, area.y + margin, area.width - 2 * margin, area.height - 2 * margin);
  if (inner.width < 1 || inner.height < 1) inner = area;
  TextStyle style = style_of(p, input);
  json layout = json::object();
  const cv::Rect spot = lay_out(p.text("text"), style, p.has("max_size"), inner, placement, input, layout);
  layout["area"] = rect_json(spot);
  if (!placement.avoided.empty()) layout["avoided"] = placement.avoided;
  if (!placement.within.empty()) layout["within"] = placement.within;
  const TypesetText typeset_text = typeset(p.text("text"), style, spot.size());
  layout["size"] = size_note(p, typeset_text, style.max_size_px);

  OpOutput output;
  output.image = input.to_rgba8().clone();
  // Where the typeset coverage's (0, 0) lies in the image.
  const cv::Point offset = spot.tl() - typeset_text.origin;
  const LegiblePaint legible = paint_legibly(
      output.image.mat(), GlyphsToPaint{typeset_text.coverage, typeset_text.color_glyphs, offset, typeset_text.ink},
      paint_of(p, typeset_text.size_px), legibility_rules(p, true));
  output.changed = legible.painted.changed;
  output.text_layers.push_back(layer_of(p.text("text"), typeset_text, translation(offset), legible, std::move(layout)));
  return output;
}

void check(const Params& p, const std::string& where) {
  const std::string text = p.text("text");
  if (text.empty()) throw Error(ErrorKind::plan, where + ": parameter 'text' is empty");
  if (text.size() > kMaxTextBytes) {
    throw Error(ErrorKind::plan, where + ": the text is " + std::to_string(text.size()) +
                                     " bytes, above the limit of " + std::to_string(kMaxTextBytes));
  }
  for (const Utf8Char& ch : decode_utf8(text, where)) {
    if ((ch.value < 0x20 && ch.value != '\n') || ch.value == 0x7F) {
      throw Error(ErrorKind::plan, where + ": the text contains a control character (byte " +
                                       std::to_string(ch.offset) + "); use \\n for a new line");
    }
  }
  for (const char* name : {"color", "outline_color"}) {
    const std::string value = p.text(name);
    if (value != "auto" && !parse_color(value))
      throw Error(ErrorKind::plan,
                  where + ": parameter '" + name + "' must be a colour or \"auto\", got \"" + value + "\"");
  }
  const std::string box = p.text("box_color");
  if (box != "none" && !parse_color(box))
    throw Error(ErrorKind::plan, where + ": parameter 'box_color' must be a colour or \"none\", got \"" + box + "\"");
  if (p.text("font").empty()) throw Error(ErrorKind::plan, where + ": parameter 'font' is empty");
}

ParamSpec optional_quad() {
  ParamSpec spec;
  spec.name = "quad";
  spec.type = ParamType::quad;
  spec.description =
      "Tilted surface the text is printed on: corners [x1, y1, … x4, y4] (top-left, top-right, bottom-right, "
      "bottom-left) as fractions of the image; overrides the target's placement";
  return spec;
}

}  // namespace

void register_text_add(Registry& registry) {
  OperationSpec spec;
  spec.name = "text.add";
  spec.description =
      "Typeset text into a region or box: font by name or description, size or fit, colour or auto contrast, "
      "outline, shadow, badge, opacity; in a named region it is laid out around the subject (verified by OCR)";
  ParamSpec text = make_param("text", ParamType::string,
                              "The text, exactly as it should read (UTF-8; \\n starts a new line)", nullptr);
  text.required = true;
  ParamSpec size = make_param("size", ParamType::number, "Font size; absent: the largest that fits the target", nullptr,
                              kMinFontPx, kMaxFontPx, "px");
  ParamSpec max_size =
      make_param("max_size", ParamType::number, "Largest fitted size; absent: a quarter of the image's shorter side",
                 nullptr, kMinFontPx, kMaxFontPx, "px");
  ParamSpec margin =
      make_param("margin", ParamType::number, "Space kept free inside the target; absent: 4% of its shorter side",
                 nullptr, 0, 10000, "px");
  ParamSpec shadow_blur = make_param("shadow_blur", ParamType::number, "Blur of the shadow; absent: half its offset",
                                     nullptr, 0, 200, "px");
  spec.params = {
      text,
      make_param("font", ParamType::string,
                 "Family name or description: serif, sans, monospace, handwritten, display, condensed, bold, italic "
                 "(e.g. \"bold serif\")",
                 "sans"),
      make_choice("weight", "Weight; auto takes it from the font description", font_weight_names(), "auto"),
      make_param("italic", ParamType::boolean, "Italic or oblique style", false),
      size,
      max_size,
      make_choice("align", "Horizontal alignment of the lines", {"left", "center", "right"}, "center"),
      make_choice("valign", "Vertical placement of the block in the target", {"top", "middle", "bottom"}, "middle"),
      make_param("line_spacing", ParamType::number, "Distance between lines as a multiple of the font's line height",
                 1.0, 0.5, 3.0),
      make_param("letter_spacing", ParamType::number, "Extra space after each character", 0.0, -0.2, 1.0, "em"),
      make_param("color", ParamType::string,
                 "Text colour (name or hex) or \"auto\": black or white, whichever contrasts more", "auto"),
      make_choice(
          "backing",
          "auto: where the text would be below the minimum contrast, put the faintest translucent badge behind it "
          "that makes it legible; none: never (the step is refused instead)",
          {"auto", "none"}, "auto"),
      make_param("allow_low_contrast", ParamType::boolean,
                 "Place the text even where its contrast is below the minimum (3:1); the report says so", false),
      make_param("outline", ParamType::number, "Outline width", 0.0, 0, 200, "px"),
      make_param("outline_color", ParamType::string, "Outline colour or \"auto\" (the opposite of the text colour)",
                 "auto"),
      make_param("shadow", ParamType::number, "Drop-shadow offset, down and to the right", 0.0, 0, 200, "px"),
      shadow_blur,
      make_param("shadow_color", ParamType::color, "Drop-shadow colour (with alpha)", "#00000099"),
      make_param("box_color", ParamType::string, "Colour of a badge behind the text, or \"none\"", "none"),
      make_param("box_padding", ParamType::number, "Badge padding around the text", 0.3, 0, 3, "em"),
      make_param("box_radius", ParamType::number, "Badge corner radius", 0.2, 0, 2, "em"),
      make_param("opacity", ParamType::number, "Opacity of text and effects (below 1 for watermarks)", 1.0, 0, 1),
      make_param("lighting", ParamType::number,
                 "How much the text follows the light on the surface under it (printed look)", 0.0, 0, 1),
      margin,
      optional_quad(),
  };
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask, RegionKind::below_text};
  spec.place = add_text;
  spec.lays_out_around_subject = true;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
