// Generative clauses: a new image, variations and redraws of this one, scene changes.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <regex>

namespace easel::rules {
namespace {

constexpr const char* kGenerateLead =
    "(generate|create|make|draw|render|imagine|produce|design|paint|illustrate)(?: me| us)?"
    "(?: (?:an?|some|the|one|two|three|four|five|six|seven|eight|a few|several|\\d+))?(?: new)?(?: \\d{1,5} "
    "?(?:x|×|by) ?\\d{1,5}(?: ?px| pixels)?)?"
    "(?: "
    "(?:image|picture|photo|photograph|illustration|drawing|painting|render|poster|icon|artwork|scene|portrait|shot|"
    "graphic|pic|visual)s?)?"
    "(?: (?:of|showing|with|that shows|depicting))?";

constexpr const char* kSceneChange =
    "\\b(winter|wintry|summer|autumn|autumnal|spring|night|nighttime|night "
    "time|evening|sunset|sunrise|dusk|dawn|golden hour|"
    "snow|snowy|snowing|rain|rainy|raining|fog|foggy|mist|misty|storm|stormy|underwater|cyberpunk|futuristic|fantasy|"
    "sci-fi|apocalyptic|older|younger|old man|old woman|smile|smiling|happy|sad|angry|zombie|robot|marble|gold statue|"
    "bronze|lego|claymation|christmas|halloween|desert|jungle|space)\\b";

}  // namespace

std::optional<ClauseOutcome> generate_image_rule(const ClauseView& view) {
  if (!has(view.text(), "^(please )?(generate|imagine|render|illustrate)\\b") &&
      !has(view.text(),
           "^(please )?(create|make|draw|produce|design|paint)( me| us)? (an?|some|one|two|three|four) (new )?"
           "(image|picture|photo|photograph|illustration|drawing|painting|render|poster|icon|artwork|scene|shot|"
           "graphic|pic|visual)s?\\b")) {
    return std::nullopt;
  }
  const std::string prompt = strip_trailing_punctuation(words_after(view.clause.original, kGenerateLead));
  if (prompt.empty())
    return not_done(view.clause,
                    "say what to generate, for example \"generate a photo of a red bicycle against a brick wall\"");
  json params = {{"prompt", prompt}};
  std::smatch match;
  if (std::regex_search(view.text(), match, pattern("\\b(\\d{1,5}) ?(?:x|×|by) ?(\\d{1,5})\\b"))) {
    params["width"] = std::stoi(match[1]);
    params["height"] = std::stoi(match[2]);
  }
  ClauseOutcome outcome = one_step("generate.image", kWholeImage, params, view.clause);
  // One step makes one image; several are asked of the doors that take a count.
  if (has(view.text(),
          "\\b(two|three|four|five|six|seven|eight|a few|several|[2-9]|\\d{2,}) (new "
          ")?(images|pictures|photos|photographs|illustrations|"
          "drawings|paintings|renders|posters|icons|artworks|scenes|shots|graphics|pics|visuals|versions|options)"
          "\\b")) {
    outcome.unsupported.push_back({view.clause.original,
                                   "an edit makes one image; for several, run `easel generate -p \"…\" -n 4` "
                                   "(or send n to /v1/images/generations)"});
  }
  return outcome;
}

// "Variations of this" asks for other takes on the image itself (generate.variation, guided by the image
// alone unless a description follows); "redraw it as a watercolour" describes the result (img2img).
std::optional<ClauseOutcome> generate_variation_rule(const ClauseView& view) {
  if (!has(view.text(),
           "\\b(reimagine|re-imagine|redraw|re-draw|repaint|variations?|reinterpret|rerender|re-render|remix|"
           "regenerate)\\b")) {
    return std::nullopt;
  }
  const double strength = std::min(0.9, 0.6 * intensity_factor(view.text()));
  static const std::regex variations(
      R"(\bvariations?\b(\s+(of|on)\s+(this|it|that|the\s+(image|photo|picture|shot)))?[\s,:-]*((with|in|showing|where|but)\s+)?)",
      std::regex::icase);
  std::smatch match;
  if (std::regex_search(view.clause.original, match, variations)) {
    json params = {{"strength", strength}};
    if (const std::string described = strip_trailing_punctuation(match.suffix().str()); !described.empty())
      params["prompt"] = described;
    return one_step("generate.variation", kWholeImage, params, view.clause);
  }
  json params = {{"prompt", strip_trailing_punctuation(view.clause.original)}, {"strength", strength}};
  return one_step("generate.img2img", kWholeImage, params, view.clause);
}

std::optional<ClauseOutcome> generate_instruct_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool scene =
      has(text, kSceneChange) && has(text, "\\b(make|turn|change|transform|convert|look|as if|into|like|set)\\b");
  const bool look_like = has(text,
                             "\\b(look|looks|feel) like\\b|\\bas if\\b|\\bas though\\b|^(turn|transform) (it|this|the "
                             "(photo|image|picture|scene)) into\\b");
  if (!scene && !look_like) return std::nullopt;
  return one_step("generate.instruct", kWholeImage, json{{"prompt", strip_trailing_punctuation(view.clause.original)}},
                  view.clause);
}

}  // namespace easel::rules
