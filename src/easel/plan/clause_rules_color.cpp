// Colour and tone clauses: color.adjust from tone words, colour comparatives, color.match, style.apply.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

#include "easel/ops/registry.hpp"

namespace easel::rules {
namespace {

int direction_of(const std::string& text) {
  if (has(text,
          "\\b(increase|increased|more|boost|raise|higher|add|enhance|stronger|punchier|deepen|intensify|up|bump|crank|"
          "pump|push|richer|extra)\\b"))
    return 1;
  if (has(text,
          "\\b(decrease|decreased|less|reduce|lower|remove|soften|weaker|tone down|down|cut|drop|dial back|pull "
          "back|no)\\b"))
    return -1;
  return 0;
}

}  // namespace

std::optional<ClauseOutcome> color_match_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool match = (has(text, "\\bmatch(es|ing)?\\b") &&
                      has(text, "\\b(colou?rs?|tones?|look|grade|grading|white balance|palette|mood)\\b")) ||
                     has(text, "\\b(same|similar) (colou?rs?|colou?r grade|look|tones?|grade|palette|mood) as\\b") ||
                     (has(text, "\\b(colou?r grade|grade)\\b") &&
                      has(text, "\\b(reference|ref|other (image|photo)|second (image|photo))\\b"));
  if (!match) return std::nullopt;
  json params = json::object();
  if (const double factor = intensity_factor(text); factor < 1) params["strength"] = factor;
  if (const auto thing = first_thing_named_in(text); thing && thing->kind != ThingKind::colour_area) {
    return step_on_thing(view, "color.match", params, *thing);
  }
  json target = region_named_in(text).value_or(kWholeImage);
  if (target.contains("color")) target = kWholeImage;
  return one_step("color.match", target, params, view.clause);
}

std::optional<ClauseOutcome> style_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const auto style = style_named_in(text);
  if (!style ||
      !has(text,
           "\\b(style|styled|look|looks|effect|filter|like|into|as|make|turn|apply|convert|render|give|stylize|stylise|"
           "restyle|redo|transform|version|feel|vibe|treatment|aesthetic|a|an)\\b")) {
    return std::nullopt;
  }
  if (const OperationSpec* op = registry().find("style.apply")) {
    const auto& choices = std::find_if(op->params.begin(), op->params.end(), [](const ParamSpec& p) {
                            return p.name == "style";
                          })->choices;
    if (std::find(choices.begin(), choices.end(), *style) == choices.end()) {
      std::string known;
      for (const auto& choice : choices) known += (known.empty() ? "" : ", ") + choice;
      return not_done(view.clause, "the " + *style + " style is not one Easel has; it has " + known);
    }
  }
  json params = {{"style", *style}};
  const double factor = intensity_factor(text);
  if (factor != 1.0) params["strength"] = std::clamp(0.5 * factor, 0.1, 1.0);
  if (*style == "duotone") {
    // "a navy and gold duotone": the shadows' colour, then the highlights'.
    std::size_t at = 0;
    if (const auto dark = first_color_in(text, 0, &at)) params["dark"] = *dark;
    if (const auto light = first_color_in(text, at)) params["light"] = *light;
  }
  if (const auto thing = first_thing_named_in(text);
      thing && thing->kind != ThingKind::colour_area && *style != "vignette") {
    return step_on_thing(view, "style.apply", params, *thing);
  }
  json target = region_named_in(text).value_or(kWholeImage);
  if (target.contains("color") || *style == "vignette") target = kWholeImage;
  return one_step("style.apply", target, params, view.clause);
}

namespace {

// The exposure change an exposure clause asks for, in stops (at most 5 either way): "+1.5 stops", "half a
// stop", "two stops"; down for darker words or an overexposed photo.
double exposure_stops(const std::string& text, double scale, int direction) {
  std::smatch match;
  double stops = 0.5 * scale;
  if (std::regex_search(text, match, pattern("([+-]?\\d+(?:\\.\\d+)?)\\s*stops?")))
    stops = std::abs(std::stod(match[1]));
  else if (has(text, "\\b(half a stop|half stop)\\b"))
    stops = 0.5;
  else if (has(text, "\\b(one stop|a stop|one full stop|a full stop)\\b"))
    stops = 1;
  else if (has(text, "\\b(two stops|a couple of stops)\\b"))
    stops = 2;
  else if (has(text, "\\bthree stops\\b"))
    stops = 3;
  const bool down = direction < 0 || has(text, "\\b(underexpose|darker|darken|overexposed|too bright)\\b");
  return std::min(stops, 5.0) * (down ? -1 : 1);
}

}  // namespace

std::optional<json> tone_params(const std::string& text, int& direction_context) {
  int direction = direction_of(text);
  if (direction == 0) direction = direction_context;
  const double scale = intensity_factor(text);
  const double sign = direction < 0 ? -1 : 1;
  const auto pct = percentage(text);
  const auto amount = [&](double base) { return sign * (pct ? *pct : base * scale); };
  json params = json::object();

  if (has(text,
          "\\b(black (and|&) white|black-and-white|grayscale|greyscale|gray scale|grey "
          "scale|monochrome|b&w|b/w|bw|noir)\\b"))
    params["saturation"] = -1.0;
  else if (has(text, "\\b(desaturate|desaturated|muted|mute|washed out|less saturated|less colou?rful|duller|dull)\\b"))
    params["saturation"] = -(pct ? *pct : 0.3 * scale);
  else if (has(text,
               "\\b(saturation|saturated|saturate|garish|vibrant|vibrance|vivid|colou?rful|colou?rs "
               "pop|pop|punchy|punchier|richer colou?rs)\\b"))
    params["saturation"] = amount(0.3);

  if (has(text, "\\b(contrast|contrasty|punchy|punchier|flat|flatter)\\b")) {
    params["contrast"] = has(text, "\\b(make it|more) (flat|flatter)\\b") ? -(pct ? *pct : 0.25 * scale) : amount(0.25);
  }

  const bool exposure_clause = has(text, "\\b(exposure|exposed|overexposed|underexposed|stops?)\\b");
  // "brighten by one stop" is an exposure change, not an extra brightness shift.
  if (!exposure_clause) {
    if (has(text, "\\b(brighten|brighter|lighten|lighter|brighter|lift|airy|bright)\\b"))
      params["brightness"] = pct ? *pct : 0.15 * scale;
    else if (has(text, "\\b(darken|darker|dim|dimmer|moodier|moody|deeper shadows)\\b"))
      params["brightness"] = -(pct ? *pct : 0.15 * scale);
    else if (has(text, "\\b(brightness|lightness)\\b"))
      params["brightness"] = amount(0.15);
  }

  if (has(text, "\\bwhite balance\\b")) {
    // "fix the white balance, it's too yellow": correct against the cast named.
    if (has(text, "\\btoo (yellow|warm|orange|red)\\b"))
      params["warmth"] = -(pct ? *pct : 0.3 * scale);
    else if (has(text, "\\btoo (blue|cold|cool)\\b"))
      params["warmth"] = pct ? *pct : 0.3 * scale;
  } else if (has(text, "\\b(warmer|warm|warmth|warm up|golden|cozier|cosier)\\b")) {
    params["warmth"] = (has(text, "\\b(less|reduce|decrease|lower)\\b") ? -1 : 1) * (pct ? *pct : 0.3 * scale);
  } else if (has(text, "\\b(cooler|cool|colder|cold|cool down|icier)\\b")) {
    params["warmth"] = -(pct ? *pct : 0.3 * scale);
  }

  std::smatch match;
  if (exposure_clause) params["exposure"] = exposure_stops(text, scale, direction);
  if (has(text, "\\bhue\\b")) {
    double degrees = 30 * scale;
    if (std::regex_search(text, match, pattern("(-?\\d+(?:\\.\\d+)?)\\s*(?:°|degrees?|deg)")))
      degrees = std::stod(match[1]);
    params["hue"] = std::clamp(direction < 0 ? -degrees : degrees, -180.0, 180.0);
  }
  if (has(text, "\\b(sharpen|sharper|crisper|crisp|sharpness|clarity|more detail|detailed)\\b")) {
    params["sharpen"] = direction < 0 ? 0.0 : std::min(0.8 * scale, 5.0);
  }
  if (has(text, "\\bgamma\\b")) {
    if (std::regex_search(text, match, pattern("gamma (?:of |to )?(\\d+(?:\\.\\d+)?)")))
      params["gamma"] = std::clamp(std::stod(match[1]), 0.1, 10.0);
    else
      params["gamma"] = direction < 0 ? 0.8 : 1.25;
  }
  if (params.empty()) return std::nullopt;
  direction_context = direction;
  for (auto& [name, value] : params.items()) {
    if (name == "brightness" || name == "contrast" || name == "saturation" || name == "warmth")
      value = std::clamp(value.get<double>(), -1.0, 1.0);
  }
  return params;
}

// "make the grass greener", "the sky bluer": more saturation in that colour's range.
std::optional<ClauseOutcome> colour_comparative_rule(const ClauseView& view) {
  std::smatch match;
  if (!std::regex_search(view.text(), match,
                         pattern("\\b(redder|greener|bluer|yellower|more (red|green|blue|yellow))\\b")))
    return std::nullopt;
  static const std::map<std::string, std::string> colours{
      {"redder", "red"}, {"greener", "green"}, {"bluer", "blue"}, {"yellower", "yellow"}};
  const std::string colour = match[2].matched ? match[2].str() : colours.at(match[1].str());
  return one_step("color.adjust", json{{"color", colour}, {"tolerance", 25}},
                  json{{"saturation", 0.3 * intensity_factor(view.text())}}, view.clause);
}

std::optional<ClauseOutcome> tone_rule(const ClauseView& view) {
  auto params = tone_params(view.text(), view.context.direction);
  if (!params) return std::nullopt;
  if (const auto thing = first_thing_named_in(view.text())) return step_on_thing(view, "color.adjust", *params, *thing);
  return one_step("color.adjust", region_named_in(view.text()).value_or(kWholeImage), *params, view.clause);
}

}  // namespace easel::rules
