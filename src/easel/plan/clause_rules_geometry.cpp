// Geometry clauses: formats, crops, canvas extension, resizing and upscaling.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <regex>

namespace easel::rules {
namespace {

// Margins named with their side: "to the left by 200 px", "200 pixels on the right", "100px at the top",
// "50 px on all sides". Empty when the clause names none.
json margins_named_in(const std::string& text) {
  json margins = json::object();
  const auto add = [&](const std::string& side, int pixels) {
    const std::string name = side == "above" ? "top" : side == "below" ? "bottom" : side;
    if (name == "all" || name == "each" || name == "every") {
      for (const char* each : {"left", "right", "top", "bottom"}) margins[each] = pixels;
    } else if (name == "both") {
      margins["left"] = margins["right"] = pixels;
    } else {
      margins[name] = pixels;
    }
  };
  static const char* kSide = "(left|right|top|bottom|above|below|all|each|every|both)";
  static const char* kPixels = "(\\d{1,5}) ?(?:px|pixels?)";
  static const std::string side_then_pixels =
      std::string("\\b(?:to|on|at|along) (?:the )?") + kSide + "(?: sides?| edges?)? (?:by |with )?" + kPixels;
  static const std::string pixels_then_side =
      std::string(kPixels) + " (?:more )?(?:to|on|at|along|of) (?:the )?" + kSide + "\\b";
  std::smatch match;
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), match, pattern(side_then_pixels.c_str()));
       it = match.suffix().first) {
    add(match[1].str(), std::stoi(match[2].str()));
  }
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), match, pattern(pixels_then_side.c_str()));
       it = match.suffix().first) {
    add(match[2].str(), std::stoi(match[1].str()));
  }
  return margins;
}

// How the new area of an extended canvas is filled: outpainting words ask for a generated extension;
// "and fill it" for the best fill there is (generated when a model is given, mirrored otherwise); a
// colour ("with white") or "transparent" for that; otherwise the mirrored fill, which needs no model.
json extension_fill(const std::string& text) {
  json params = json::object();
  params["fill"] = has(text,
                       "\\b(outpaint|outpainting|generate|generated|generative|ai|imagine|invent|continue the "
                       "(scene|image|picture|photo))\\b")
                       ? "generative"
                   : has(text, "\\bfill(ed)? (it|them|that|the (new|empty|extra) (area|space|part|margins?))\\b")
                       ? "auto"
                       : "reflect";
  if (has(text, "\\btransparent\\b")) params["fill"] = "transparent";
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\b(?:with|in|using) (?:an? )?(#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)"))) {
    if (const auto color = first_color_in(match[1].str())) {
      params["fill"] = "color";
      params["color"] = *color;
    }
  }
  return params;
}

bool has_crop_before(const ClauseView& view) {
  const auto& ops = view.context.planned_ops;
  return std::find(ops.begin(), ops.end(), "image.crop") != ops.end();
}

// "800x600 without stretching": to that aspect first (cropping, or extending with extend words), then the
// size, so nothing is distorted.
ClauseOutcome resize_keeping_proportions(const ClauseView& view, const json& size) {
  const int width = size["width"];
  const int height = size["height"];
  const int divisor = std::gcd(width, height);
  const std::string aspect = std::to_string(width / divisor) + ":" + std::to_string(height / divisor);
  ClauseOutcome outcome;
  if (extends_canvas(view, view.text())) {
    json fill = extension_fill(view.text());
    fill["aspect"] = aspect;
    outcome.steps.push_back({"canvas.expand", kWholeImage, fill, view.clause.original});
  } else {
    outcome.steps.push_back({"image.crop", kWholeImage, json{{"aspect", aspect}, {"anchor", anchor_of(view.text())}},
                             view.clause.original});
  }
  outcome.steps.push_back({"image.resize", kWholeImage, size, view.clause.original});
  return outcome;
}

}  // namespace

bool extends_canvas(const ClauseView& view, const std::string& text) {
  return has(text, kExtendWords) || has(text, kNoCropping) || view.context.cropping_forbidden;
}

std::string anchor_of(const std::string& text) {
  if (const auto region = region_named_in(text); region && is_spatial(*region)) {
    const std::string name = (*region)["region"];
    for (const char* anchor :
         {"top-left", "top-right", "bottom-left", "bottom-right", "top", "bottom", "left", "right"}) {
      if (name == anchor) return name;
    }
  }
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\b(top|bottom|left|right)\\b"))) return match[1];
  return "center";
}

json aspect_value(const std::string& aspect) {
  if (aspect.find('.') == std::string::npos) return aspect;
  const auto colon = aspect.find(':');
  return std::stod(aspect.substr(0, colon)) / std::stod(aspect.substr(colon + 1));
}

// An aspect written beside the format ("a 4:5 version for Instagram") wins, and then only the format's
// width is kept.
ClauseOutcome fit_to_format(const ClauseView& view, OutputFormat format, bool extend) {
  ClauseOutcome outcome;
  if (const auto written = aspect_named_in(view.text());
      written && *written != format.aspect && has(view.text(), "\\d")) {
    format.aspect = *written;
    format.height = 0;
  }
  if (extend) {
    json params = extension_fill(view.text());
    params["aspect"] = aspect_value(format.aspect);
    outcome.steps.push_back({"canvas.expand", kWholeImage, params, view.clause.original});
  } else {
    outcome.steps.push_back({"image.crop", kWholeImage,
                             json{{"aspect", aspect_value(format.aspect)}, {"anchor", anchor_of(view.text())}},
                             view.clause.original});
  }
  if (format.width > 0) {
    json size = {{"width", format.width}};
    if (format.height > 0) size["height"] = format.height;
    outcome.steps.push_back({"image.resize", kWholeImage, size, view.clause.original});
  }
  return outcome;
}

std::optional<ClauseOutcome> upscale_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text,
           "\\b(upscale|upscaled|upscaling|upsample|super ?res|super-resolution|superresolution|higher "
           "resolution|higher res|"
           "increase (the )?resolution|enhance (the )?resolution|improve (the )?resolution|hi-?res|high-?res|high "
           "resolution|"
           "more pixels|for print|for printing|print quality|print-ready|print ready|4k|8k)\\b")) {
    return std::nullopt;
  }
  std::smatch match;
  double scale = 2;
  if (std::regex_search(text, match, pattern("\\b(\\d+(?:\\.\\d+)?)\\s*(?:x|times)\\b|\\bx\\s*(\\d+)\\b"))) {
    scale = std::stod(match[1].matched ? match[1].str() : match[2].str());
  } else if (has(text, "\\b(quadruple|four times|8k)\\b")) {
    scale = 4;
  }
  if (scale < 2 || scale > 4 || scale != std::floor(scale)) {
    return not_done(view.clause,
                    "upscaling enlarges 2x, 3x or 4x; for another size say \"resize to 3000 pixels wide\"");
  }
  return one_step("image.upscale", kWholeImage, json{{"factor", static_cast<int>(scale)}}, view.clause);
}

std::optional<ClauseOutcome> format_rule(const ClauseView& view) {
  const auto format = format_named_in(view.text());
  if (!format) return std::nullopt;
  return fit_to_format(view, *format, extends_canvas(view, view.text()));
}

std::optional<ClauseOutcome> crop_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool crop_words = has(text, "\\b(crop|cropped|trim|reframe|cut (it )?(down )?to)\\b");
  const auto aspect = aspect_named_in(text);
  const bool ratio_only = aspect && !has(text, kExtendWords) && !has(text, "\\b(resize|scale|pixels|px)\\b");
  if (!crop_words && !ratio_only) return std::nullopt;
  if (!aspect)
    return not_done(view.clause, "say which aspect ratio to crop to, for example \"crop to 16:9\" or \"crop square\"");
  if (view.context.cropping_forbidden) {
    json params = extension_fill(text);
    params["aspect"] = aspect_value(*aspect);
    return one_step("canvas.expand", kWholeImage, params, view.clause);
  }
  ClauseOutcome outcome = one_step("image.crop", kWholeImage,
                                   json{{"aspect", aspect_value(*aspect)}, {"anchor", anchor_of(text)}}, view.clause);
  if (has(text,
          "\\b(on|around|to|at) (the )?(subject|product|person|face|object|main subject)\\b|\\b(keep|keeping) (the "
          ")?(subject|product|person) (in|centred|centered)\\b")) {
    outcome.unsupported.push_back({view.clause.original,
                                   "image.crop keeps a side, a corner or the centre of the frame; it cannot follow the "
                                   "subject yet (say \"crop to 16:9 keeping the left\")"});
  }
  return outcome;
}

std::optional<ClauseOutcome> expand_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!(has(text, kExtendWords) || has(text, kNoCropping)) || has(text, "\\b(background|bg)\\b")) return std::nullopt;
  const auto aspect = aspect_named_in(text);
  const json margins = margins_named_in(text);
  if (!aspect && margins.empty() && has_crop_before(view)) {
    // "make it square and extend the canvas with white": the earlier aspect change extends instead.
    ClauseOutcome outcome;
    outcome.crops_become_extensions = extension_fill(text);
    return outcome;
  }
  if (!aspect && margins.empty()) {
    return not_done(
        view.clause,
        "say the aspect ratio to extend the canvas to, or the margins to add: for example \"extend the canvas to "
        "16:9\" or \"extend the canvas to the left by 200 px\"");
  }
  json params = extension_fill(text);
  if (margins.empty()) {
    params["aspect"] = aspect_value(*aspect);
  } else {
    params.update(margins);
  }
  return one_step("canvas.expand", kWholeImage, params, view.clause);
}

std::optional<ClauseOutcome> resize_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text,
           "\\b(resize|resized|rescale|scale|scaled|shrink|enlarge|downscale|downsize|smaller|bigger|larger|halve|"
           "double|twice|"
           "half the size|half size|size|\\d+\\s*(px|pixels?)( wide| tall| high| "
           "across)?|\\d{2,5}\\s*[x×]\\s*\\d{2,5}|\\d+ (wide|tall|high))\\b")) {
    return std::nullopt;
  }
  std::smatch match;
  if (std::regex_search(text, match,
                        pattern("\\b(?:make|making|get) (?:the|our|my|this|that) ([a-z]+) (?:a bit |a little |much |a "
                                "lot |slightly )?(?:bigger|larger|smaller)")) &&
      !has(match[1].str(), "^(image|photo|picture|file|canvas|whole|thing|overall)$")) {
    return not_done(
        view.clause,
        "resizing one part of the image is not an operation in Easel yet; \"make the image bigger\" resizes all of it");
  }
  json params = json::object();
  if (std::regex_search(text, match, pattern("(\\d{1,5})\\s*(?:x|×|by)\\s*(\\d{1,5})\\s*(?:px|pixels?)?")) &&
      std::stoi(match[1]) > 20) {
    params = {{"width", std::stoi(match[1])}, {"height", std::stoi(match[2])}};
  } else if (std::regex_search(text, match,
                               pattern("(\\d{1,5})\\s*(?:px|pixels?)?\\s*(wide|width|across|tall|high|height)"))) {
    const std::string side = match[2];
    params[side == "wide" || side == "width" || side == "across" ? "width" : "height"] = std::stoi(match[1]);
  } else if (std::regex_search(text, match, pattern("\\b(width|height) (?:of |to |at )?(\\d{1,5})"))) {
    params[match[1].str()] = std::stoi(match[2]);
  } else if (std::regex_search(text, match,
                               pattern("(\\d+(?:\\.\\d+)?)\\s*(?:x|times)\\b|\\bby (?:a factor of "
                                       ")?(\\d+(?:\\.\\d+)?)\\b(?!\\s*%|\\s*percent)"))) {
    params["scale"] = std::stod(match[1].matched ? match[1].str() : match[2].str());
  } else if (const auto pct = percentage(text)) {
    params["scale"] =
        has(text, "\\b(by|smaller|reduce|shrink|down)\\b") && has(text, "\\b(smaller|reduce|shrink|down)\\b") ? 1 - *pct
                                                                                                              : *pct;
  } else if (has(text, "\\b(double|twice|bigger|larger|enlarge)\\b")) {
    params["scale"] = 2.0;
  } else if (has(text, "\\b(half|halve|smaller|shrink)\\b")) {
    params["scale"] = 0.5;
  } else if (std::regex_search(text, match, pattern("\\b(\\d{2,5})\\b"))) {
    params["width"] = std::stoi(match[1]);
  } else {
    return not_done(
        view.clause,
        "say the new size, for example \"resize to 1080 pixels wide\", \"scale by 50%\" or \"double the size\"");
  }
  if (params.contains("width") && params.contains("height") &&
      has(text,
          "\\b(without|no|not|don't|dont|never) "
          "(stretch|stretching|stretched|distort|distorting|distortion|squash|squashing|squish)|"
          "\\bkeep(ing)? (the )?(aspect|aspect ratio|proportions)\\b")) {
    return resize_keeping_proportions(view, params);
  }
  return one_step("image.resize", kWholeImage, params, view.clause);
}

}  // namespace easel::rules
