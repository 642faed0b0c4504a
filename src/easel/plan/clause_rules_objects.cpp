// Object clauses: remove, recolour, replace or add a thing in the image.
#include "easel/plan/clause_rule_families.hpp"

#include <regex>

#include "easel/ops/color.hpp"
#include "easel/plan/instruction_text.hpp"

namespace easel::rules {
namespace {

// What an object word points at: the subject (segmentation) for "the product"/"the person", a colour
// range for "the red areas", otherwise the largest salient object — in the part of the frame named
// ("the car on the left" → {"object": "left"}), optionally of a colour ("the red car").
json object_target(const std::string& text) {
  const auto region = region_named_in(text);
  if (region && (region->contains("color") || (*region)["region"] == "subject")) return *region;
  std::string where = region && is_spatial(*region) ? (*region)["region"].get<std::string>() : "all";
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\bthe ([a-z]+) [a-z]+"))) {
    if (parse_color(match[1].str())) return json{{"object", {{"where", where}, {"color", match[1].str()}}}};
  }
  return json{{"object", where}};
}

constexpr const char* kRemoveVerbs =
    "remove|delete|erase|get rid of|take out|take away|eliminate|clean up|clear away|clear|hide|lose|ditch|edit out|photoshop out|wipe out|wipe";

}  // namespace

std::optional<ClauseOutcome> object_remove_rule(const ClauseView& view) {
  if (!has(view.text(), "^(please |can you |could you |also |now |and )?(remove|delete|erase|get rid of|take out|take away|eliminate|clean up|clear away|"
                        "hide|lose|ditch|edit out|photoshop out|wipe out)\\b")) {
    return std::nullopt;
  }
  const std::string object = strip_trailing_punctuation(words_after(view.clause.original, kRemoveVerbs));
  if (object.empty()) return not_done(view.clause, "say what to remove, for example \"remove the trash can on the left\"");
  return one_step("object.remove", object_target(view.text()), json::object(), view.clause);
}

std::optional<ClauseOutcome> recolor_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text, "\\b(recolou?r|recolou?red|colou?rize|dye|paint|change the colou?r|change its colou?r|change (the )?colou?rs?|make|turn|change|colou?r)\\b")) {
    return std::nullopt;
  }
  if (has(text, "^(make|turn) (it|this|the (photo|image|picture|whole (photo|image|picture)))\\b") &&
      !has(text, "\\b(recolou?r|dye|paint)\\b")) {
    return std::nullopt;  // "make it warmer" is a tone change
  }
  json target = object_target(text);
  std::size_t from = 0;
  if (target.contains("color")) {
    const std::string area = target["color"];
    const std::size_t at = text.find(area);
    from = at == std::string::npos ? 0 : at + area.size();
  } else {
    const std::size_t joint = text.find_first_of(" ", text.find_first_of(" ") + 1);
    from = joint == std::string::npos ? text.size() : joint;
  }
  std::optional<std::string> color;
  for (std::size_t at = from;;) {
    const auto next = first_color_in(text, at, &at);
    if (!next) break;
    color = next;
  }
  if (!color || has(text, "\\b(warmer|cooler|brighter|darker|lighter|saturated|contrast)\\b")) return std::nullopt;
  if (has(text, "^(make|turn) ") && has(text, kBackground)) return std::nullopt;
  return one_step("region.recolor", target, json{{"color", *color}}, view.clause);
}

std::optional<ClauseOutcome> object_replace_rule(const ClauseView& view) {
  std::smatch match;
  const std::string& original = view.clause.original;
  static const std::regex replace(
      "\\b(?:replace|swap(?: out)?|switch|exchange|substitute|change|turn)\\b\\s+([\\s\\S]+?)\\s+\\b(?:with|for|into|to|by)\\b\\s+([\\s\\S]+)",
      std::regex::icase);
  if (!std::regex_search(original, match, replace)) return std::nullopt;
  const std::string replacement = strip_trailing_punctuation(match[2]);
  if (replacement.empty()) return std::nullopt;
  return one_step("object.replace", object_target(normalise_clause(match[1].str())), json{{"prompt", replacement}}, view.clause);
}

std::optional<ClauseOutcome> object_add_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text, "^(please |can you |could you |also |now |and )?(add|put|place|insert|include|draw|give (it|him|her|them|the [a-z]+))\\b")) {
    return std::nullopt;
  }
  int ignored = 0;
  if (tone_params(text, ignored)) return std::nullopt;  // "add more contrast"
  const std::string object = strip_trailing_punctuation(words_after(view.clause.original, "add|put|place|insert|include|draw|give"));
  if (object.empty()) return not_done(view.clause, "say what to add, for example \"add a potted plant on the left\"");
  json target = kWholeImage;
  if (auto region = region_named_in(text); region && !region->contains("color")) target = *region;
  return one_step("object.add", target, json{{"prompt", object}}, view.clause);
}

}  // namespace easel::rules
