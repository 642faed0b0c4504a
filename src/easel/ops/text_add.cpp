// text.add: typeset a string into the step's target (a named region, a box or the bounding box of a
// mask), with a font chosen by name or description, a given size or the largest that fits, and
// optional outline, drop shadow, badge and opacity. Only the pixels of the text and its effects change.
#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/operations.hpp"
#include "easel/ops/registry.hpp"
#include "easel/ops/text_composite.hpp"
#include "easel/ops/text_shaping.hpp"
#include "easel/ops/typeset.hpp"

namespace easel {
namespace {

// Share of the area's shorter side kept free around the text when no margin is given.
constexpr double kDefaultMarginShare = 0.04;
// Fitted text grows at most to this share of the image's shorter side unless max_size says otherwise:
// "at the top" means a title, not letters half the photo high.
constexpr double kDefaultMaxSizeShare = 0.25;

std::optional<cv::Scalar> color_or_auto(const Params& p, const std::string& name) {
  const std::string value = p.text(name);
  if (value == "auto") return std::nullopt;
  return parse_color(value);
}

TextStyle style_of(const Params& p, const Image& image) {
  TextStyle style;
  style.font = FontRequest{p.text("font"), p.text("weight"), p.boolean("italic")};
  style.size_px = p.has("size") ? p.number("size") : 0;
  style.max_size_px = p.has("max_size") ? p.number("max_size")
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
    corners[i] = {fractions[2 * i].get<float>() * static_cast<float>(image.width()), fractions[2 * i + 1].get<float>() * static_cast<float>(image.height())};
  }
  return corners;
}

// Text on a tilted surface: typeset flat in a rectangle as wide and tall as the quad's average sides,
// then warp the glyph layers onto the quad. Returns the warped layers cut to the quad's bounds.
struct WarpedText {
  cv::Mat coverage, color_glyphs;
  cv::Point offset;
  cv::Rect ink;
};

WarpedText warp_onto(const TypesetText& flat, cv::Point flat_area_origin, const std::array<cv::Point2f, 4>& quad, const Image& image) {
  const cv::Point2f o(static_cast<float>(flat_area_origin.x), static_cast<float>(flat_area_origin.y));
  const float width = static_cast<float>(0.5 * (cv::norm(quad[1] - quad[0]) + cv::norm(quad[2] - quad[3])));
  const float height = static_cast<float>(0.5 * (cv::norm(quad[3] - quad[0]) + cv::norm(quad[2] - quad[1])));
  const std::array<cv::Point2f, 4> flat_corners{o, o + cv::Point2f(width, 0), o + cv::Point2f(width, height), o + cv::Point2f(0, height)};
  const cv::Rect bounds = cv::boundingRect(std::vector<cv::Point2f>(quad.begin(), quad.end())) & cv::Rect(0, 0, image.width(), image.height());
  std::array<cv::Point2f, 4> local_quad;
  for (std::size_t i = 0; i < 4; ++i) local_quad[i] = quad[i] - cv::Point2f(static_cast<float>(bounds.x), static_cast<float>(bounds.y));
  const cv::Mat homography = cv::getPerspectiveTransform(flat_corners.data(), local_quad.data());
  WarpedText warped;
  warped.offset = bounds.tl();
  cv::warpPerspective(flat.coverage, warped.coverage, homography, bounds.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  if (!flat.color_glyphs.empty()) cv::warpPerspective(flat.color_glyphs, warped.color_glyphs, homography, bounds.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  warped.ink = cv::boundingRect(warped.coverage);
  return warped;
}

OpOutput add_text(const Image& input, const Params& p, const cv::Rect& target_area, const RunContext&) {
  const bool tilted = p.has("quad");
  const std::array<cv::Point2f, 4> quad = tilted ? quad_corners(p.values().at("quad"), input) : std::array<cv::Point2f, 4>{};
  const cv::Rect area = tilted ? cv::Rect(0, 0, static_cast<int>(std::lround(0.5 * (cv::norm(quad[1] - quad[0]) + cv::norm(quad[2] - quad[3])))),
                                          static_cast<int>(std::lround(0.5 * (cv::norm(quad[3] - quad[0]) + cv::norm(quad[2] - quad[1])))))
                               : target_area;
  const int margin = p.has("margin") ? static_cast<int>(std::lround(p.number("margin")))
                                     : static_cast<int>(std::lround(kDefaultMarginShare * std::min(area.width, area.height)));
  cv::Rect inner(area.x + margin, area.y + margin, area.width - 2 * margin, area.height - 2 * margin);
  if (inner.width < 1 || inner.height < 1) inner = area;
  const TypesetText typeset_text = typeset(p.text("text"), style_of(p, input), inner.size());
  const TextPaint paint = paint_of(p, typeset_text.size_px);

  OpOutput output;
  output.image = input.to_rgba8().clone();
  // The flat layer's (0, 0) in the area's frame: where the glyphs sit relative to the area's corner.
  const cv::Point offset = inner.tl() - typeset_text.origin;
  PaintedText painted;
  if (tilted) {
    const WarpedText warped = warp_onto(typeset_text, -offset, quad, input);
    painted = paint_text(output.image.mat(), warped.coverage, warped.color_glyphs, warped.offset, warped.ink, paint);
  } else {
    painted = paint_text(output.image.mat(), typeset_text.coverage, typeset_text.color_glyphs, offset, typeset_text.ink, paint);
  }
  output.changed = painted.changed;

  TextLayer layer;
  layer.text = p.text("text");
  // On a quad the layer kept for OCR is the flat one (its box is then in the flat frame, not the image's).
  const cv::Rect frame = tilted ? cv::Rect(offset, typeset_text.coverage.size()) : cv::Rect(0, 0, input.width(), input.height());
  layer.box = (typeset_text.ink + offset) & frame;
  if (!layer.box.empty()) {
    const cv::Rect drawn = layer.box - offset;
    layer.coverage = typeset_text.coverage(drawn).clone();
    for (const cv::Rect& line : typeset_text.line_boxes) {
      const cv::Rect visible = line & drawn;
      if (!visible.empty()) layer.line_boxes.push_back(visible - drawn.tl());
    }
  }
  record_typeset_facts(layer, typeset_text, painted);
  layer.fits = typeset_text.fits;
  output.text_layers.push_back(std::move(layer));
  return output;
}

void check(const Params& p, const std::string& where) {
  const std::string text = p.text("text");
  if (text.empty()) throw Error(ErrorKind::plan, where + ": parameter 'text' is empty");
  if (text.size() > kMaxTextBytes) {
    throw Error(ErrorKind::plan, where + ": the text is " + std::to_string(text.size()) + " bytes, above the limit of " +
                                     std::to_string(kMaxTextBytes));
  }
  for (const Utf8Char& ch : decode_utf8(text, where)) {
    if ((ch.value < 0x20 && ch.value != '\n') || ch.value == 0x7F) {
      throw Error(ErrorKind::plan, where + ": the text contains a control character (byte " + std::to_string(ch.offset) + "); use \\n for a new line");
    }
  }
  for (const char* name : {"color", "outline_color"}) {
    const std::string value = p.text(name);
    if (value != "auto" && !parse_color(value)) throw Error(ErrorKind::plan, where + ": parameter '" + name + "' must be a colour or \"auto\", got \"" + value + "\"");
  }
  const std::string box = p.text("box_color");
  if (box != "none" && !parse_color(box)) throw Error(ErrorKind::plan, where + ": parameter 'box_color' must be a colour or \"none\", got \"" + box + "\"");
  if (p.text("font").empty()) throw Error(ErrorKind::plan, where + ": parameter 'font' is empty");
}

ParamSpec optional_quad() {
  ParamSpec spec;
  spec.name = "quad";
  spec.type = ParamType::quad;
  spec.description = "Tilted surface the text is printed on: corners [x1, y1, … x4, y4] (top-left, top-right, bottom-right, "
                     "bottom-left) as fractions of the image; overrides the target's placement";
  return spec;
}

}  // namespace

void register_text_add(Registry& registry) {
  OperationSpec spec;
  spec.name = "text.add";
  spec.description = "Typeset text into a region or box: font by name or description, size or fit, colour or auto contrast, "
                     "outline, shadow, badge, opacity (verified by OCR)";
  ParamSpec text = make_param("text", ParamType::string, "The text, exactly as it should read (UTF-8; \\n starts a new line)", nullptr);
  text.required = true;
  ParamSpec size = make_param("size", ParamType::number, "Font size; absent: the largest that fits the target", nullptr, kMinFontPx, kMaxFontPx, "px");
  ParamSpec max_size = make_param("max_size", ParamType::number, "Largest fitted size; absent: a quarter of the image's shorter side",
                             nullptr, kMinFontPx, kMaxFontPx, "px");
  ParamSpec margin = make_param("margin", ParamType::number, "Space kept free inside the target; absent: 4% of its shorter side", nullptr, 0, 10000, "px");
  ParamSpec shadow_blur = make_param("shadow_blur", ParamType::number, "Blur of the shadow; absent: half its offset", nullptr, 0, 200, "px");
  spec.params = {
      text,
      make_param("font", ParamType::string,
            "Family name or description: serif, sans, monospace, handwritten, display, condensed, bold, italic (e.g. \"bold serif\")", "sans"),
      make_choice("weight", "Weight; auto takes it from the font description", font_weight_names(), "auto"),
      make_param("italic", ParamType::boolean, "Italic or oblique style", false),
      size,
      max_size,
      make_choice("align", "Horizontal alignment of the lines", {"left", "center", "right"}, "center"),
      make_choice("valign", "Vertical placement of the block in the target", {"top", "middle", "bottom"}, "middle"),
      make_param("line_spacing", ParamType::number, "Distance between lines as a multiple of the font's line height", 1.0, 0.5, 3.0),
      make_param("letter_spacing", ParamType::number, "Extra space after each character", 0.0, -0.2, 1.0, "em"),
      make_param("color", ParamType::string, "Text colour (name or hex) or \"auto\": black or white, whichever contrasts more", "auto"),
      make_param("outline", ParamType::number, "Outline width", 0.0, 0, 200, "px"),
      make_param("outline_color", ParamType::string, "Outline colour or \"auto\" (the opposite of the text colour)", "auto"),
      make_param("shadow", ParamType::number, "Drop-shadow offset, down and to the right", 0.0, 0, 200, "px"),
      shadow_blur,
      make_param("shadow_color", ParamType::color, "Drop-shadow colour (with alpha)", "#00000099"),
      make_param("box_color", ParamType::string, "Colour of a badge behind the text, or \"none\"", "none"),
      make_param("box_padding", ParamType::number, "Badge padding around the text", 0.3, 0, 3, "em"),
      make_param("box_radius", ParamType::number, "Badge corner radius", 0.2, 0, 2, "em"),
      make_param("opacity", ParamType::number, "Opacity of text and effects (below 1 for watermarks)", 1.0, 0, 1),
      make_param("lighting", ParamType::number, "How much the text follows the light on the surface under it (printed look)", 0.0, 0, 1),
      margin,
      optional_quad(),
  };
  spec.regions = {RegionKind::all, RegionKind::named, RegionKind::box, RegionKind::mask, RegionKind::below_text};
  spec.place = add_text;
  spec.check = check;
  registry.add(std::move(spec));
}

}  // namespace easel
