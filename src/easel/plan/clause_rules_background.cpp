// Background clauses: remove it, blur it, or replace it with a colour, a gradient or a described scene.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <vector>

namespace easel::rules {
namespace {

// "a soft blue gradient", "from navy to white", "a radial gradient": colours in the order written, and the
// direction when one is named.
json gradient_params(const std::string& text) {
  json params = {{"fill", "gradient"}};
  std::vector<std::string> colors;
  for (std::size_t from = 0; colors.size() < 2;) {
    const auto color = first_color_in(text, from, &from);
    if (!color) break;
    colors.push_back(*color);
  }
  // One colour: from it to white (a "soft" gradient); none: a pale blue one (DESIGN §4's example).
  if (colors.empty()) colors = {"#9ec5ff", "#eaf2ff"};
  if (colors.size() == 1) colors.push_back(has(text, "\\b(dark|deep)\\b") ? "black" : "white");
  params["color"] = colors[0];
  params["to_color"] = colors[1];
  if (has(text, "\\b(horizontal|horizontally|left to right|right to left|side to side)\\b"))
    params["direction"] = "horizontal";
  else if (has(text, "\\b(diagonal|diagonally|corner to corner)\\b"))
    params["direction"] = "diagonal";
  else if (has(text, "\\b(radial|circular|from the (centre|center)|centre outwards|center outwards)\\b"))
    params["direction"] = "radial";
  else if (has(text, "\\b(vertical|vertically|top to bottom|bottom to top)\\b"))
    params["direction"] = "vertical";
  return params;
}

}  // namespace

std::optional<ClauseOutcome> background_remove_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool remove =
      has(text,
          "\\b(remove|delete|erase|drop|get rid of|take out|knock out|lose|strip|clear|ditch|eliminate|cut out|cut "
          "away|no|without( a| the)?) "
          "(the |this |that |its |her |his |their |all |all of the |any )?(white |grey |gray |busy |messy |whole "
          "|entire |old )?(background|backdrop|bg)\\b") ||
      has(text, "\\b(background|backdrop|bg) (removal|remover|removed|gone|transparent|see-through|clear)\\b") ||
      has(text, "\\btransparent (background|backdrop|bg|png)\\b") ||
      has(text, "\\b(background|backdrop|bg)\\b.*\\btransparent\\b") ||
      has(text,
          "^(please )?(cut out|isolate|extract|mask out) (the |this "
          ")?(subject|product|person|object|item|it|him|her|them|model|bottle|shoe|car)\\b");
  // "make it transparent": what background.remove gives.
  const bool transparent = has(
      text,
      "^(please )?((make|turn|set|leave|render|keep) )?(it |this |the (image|photo|picture|product|subject|result) )?"
      "((should )?be )?(fully |completely |totally )?(transparent|see-through)( please)?[.!]?$");
  if (!remove && !transparent) return std::nullopt;
  const auto& ops = view.context.planned_ops;
  if (std::find(ops.begin(), ops.end(), "background.remove") != ops.end()) {
    ClauseOutcome outcome;  // "remove the background, make it transparent": the earlier step already does it
    outcome.carried_by_op = "background.remove";
    return outcome;
  }
  return one_step("background.remove", json{{"region", "background"}}, json::object(), view.clause);
}

std::optional<ClauseOutcome> background_blur_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool blur =
      (has(text, kBackground) &&
       has(text, "\\b(blur|blurry|blurred|blurrier|defocus|defocused|out of focus|soft focus|soften|bokeh)\\b")) ||
      has(text, "\\b(bokeh|shallow depth of field|depth of field|portrait mode|portrait effect)\\b");
  if (!blur) return std::nullopt;
  json params = json::object();
  // Default strength 0.5 of the op's range, scaled by the intensity word.
  params["strength"] = std::clamp(0.5 * intensity_factor(text), 0.05, 1.0);
  return one_step("background.blur", json{{"region", "background"}}, params, view.clause);
}

std::optional<ClauseOutcome> background_replace_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool names_background = has(text, kBackground);
  const bool on_a_background =
      has(text, "\\b(on|against|in front of|over) (a|an|the)? ?[a-z# -]*\\b(background|backdrop|bg)\\b");
  // "drop the product onto pure white": a subject set on a colour.
  const bool onto_a_color =
      has(text,
          "\\b(product|subject|it|him|her|them|bottle|item|object)\\b.*\\b(onto|on|against) (an? )?(pure |plain |solid "
          "|clean |bright )?[a-z# ]+$") &&
      first_color_in(text.substr(text.rfind(' ') == std::string::npos ? 0 : text.rfind(' '))).has_value();
  if (!names_background && !on_a_background && !onto_a_color) return std::nullopt;
  int ignored = 0;
  const bool replace_words = has(text,
                                 "\\b(replace|replaced|swap|switch|change|new|with|into|to|put|place|set|use|make|turn|"
                                 "give|on|against|fill|add)\\b") ||
                             (first_color_in(text) && !tone_params(text, ignored));
  if (!replace_words) return std::nullopt;
  // "make the background darker" is a tone change of the background, not a new one.
  if (tone_params(text, ignored) && !has(text, "\\b(replace|swap|new|with|put|place|on a|against)\\b"))
    return std::nullopt;
  json params = json::object();
  if (has(text, "\\bgradient\\b")) {
    params = gradient_params(text);
  } else if (const auto color = first_color_in(text);
             color && (!has(text,
                            "\\b(scene|beach|studio|office|city|forest|street|room|kitchen|garden|park|sky|mountains?|"
                            "sunset|field|wood)\\b") ||
                       text.size() == text.rfind(*color) + color->size())) {
    params["fill"] = "color";
    params["color"] = *color;
  } else {
    std::string scene = words_after(view.clause.original, "with|into|to|on|against|in front of|for");
    scene = strip_trailing_punctuation(scene);
    if (scene.empty() || scene.size() == view.clause.original.size()) {
      return not_done(view.clause,
                      "say what the new background should be: a colour (\"a white background\"), a gradient "
                      "(\"a soft blue gradient\") or a scene (\"a sunny beach\")");
    }
    // A described scene is generated: the background region inpainted from the description.
    return one_step("background.replace", json{{"region", "background"}},
                    json{{"fill", "generative"}, {"prompt", scene}}, view.clause);
  }
  return one_step("background.replace", json{{"region", "background"}}, params, view.clause);
}

}  // namespace easel::rules
