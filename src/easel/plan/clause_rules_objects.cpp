// Object clauses: remove, recolour, replace or add a thing in the image.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <regex>

#include "easel/regions/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/instruction_text.hpp"

namespace easel::rules {
namespace {

const char* const kMaskAdvice = "give a mask (--mask / the mask brush)";

bool accepts(const std::string& op, const json& target) {
  const OperationSpec* spec = registry().find(op);
  if (spec == nullptr) return true;  // the planner reports a missing op by itself
  return std::find(spec->regions.begin(), spec->regions.end(), region_kind_of(target)) != spec->regions.end();
}

std::string cannot_find(const std::string& op, const NamedThing& thing) {
  if (thing.kind == ThingKind::subject || thing.kind == ThingKind::object) {
    return op + " cannot act on one object picked by place or colour yet: " + kMaskAdvice + " of \"" + thing.words +
           "\"";
  }
  std::string reason = "Easel cannot find \"" + thing.words + "\" in the image by name yet: " + kMaskAdvice;
  if (accepts(op, json{{"object", "all"}}))
    reason += ", or point at it by place or colour (\"the object on the left\", \"the red object\")";
  return reason;
}

constexpr const char* kRemoveVerbs =
    "remove|delete|erase|get rid of|take out|take away|eliminate|clean up|clear away|clear|hide|lose|ditch|edit "
    "out|photoshop out|wipe out|wipe";

}  // namespace

std::optional<json> target_of(const NamedThing& thing, const std::string& clause_text) {
  const auto place = region_named_in(clause_text);
  const std::string where = place && is_spatial(*place) ? (*place)["region"].get<std::string>() : "all";
  switch (thing.kind) {
    case ThingKind::image:
      return kWholeImage;
    case ThingKind::place:
      return region_named_in(thing.words).value_or(place.value_or(kWholeImage));
    case ThingKind::colour_area:
      return json{{"color", thing.colour}, {"tolerance", 25}};
    case ThingKind::subject:
      return where == "all" ? json{{"region", "subject"}} : json{{"object", where}};
    case ThingKind::object:
      if (thing.colour.empty()) return json{{"object", where}};
      return json{{"object", {{"where", where}, {"color", thing.colour}}}};
    case ThingKind::property:
    case ThingKind::unknown:
      break;
  }
  return std::nullopt;
}

ClauseOutcome step_on_thing(const ClauseView& view, const std::string& op, json params, const NamedThing& thing) {
  if (const auto target = target_of(thing, view.text()); target && accepts(op, *target)) {
    return one_step(op, *target, std::move(params), view.clause);
  }
  // The user's mask says where: plan_instruction makes it the target of every whole-image step.
  if (view.context.mask_given) return one_step(op, kWholeImage, std::move(params), view.clause);
  return not_done(view.clause, cannot_find(op, thing));
}

std::optional<ClauseOutcome> object_remove_rule(const ClauseView& view) {
  if (!has(view.text(),
           "^(please |can you |could you |also |now |and )?(remove|delete|erase|get rid of|take out|take "
           "away|eliminate|clean up|clear away|"
           "hide|lose|ditch|edit out|photoshop out|wipe out)\\b")) {
    return std::nullopt;
  }
  const std::string object = strip_trailing_punctuation(words_after(view.clause.original, kRemoveVerbs));
  const NamedThing thing = thing_named_by(normalise_clause(object));
  if (object.empty() || (thing.kind == ThingKind::image && !view.context.mask_given)) {
    return not_done(view.clause, std::string("say what to remove, for example \"remove the object on the left\", or ") +
                                     kMaskAdvice);
  }
  json params = json::object();
  if (has(view.text(), "\\b(with ai|using ai|generative|generatively|generated|inpaint with a model)\\b"))
    params["method"] = "generative";
  return step_on_thing(view, "object.remove", params, thing);
}

std::optional<ClauseOutcome> recolor_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text,
           "\\b(recolou?r|recolou?red|colou?rize|dye|paint|change the colou?r|change its colou?r|change (the "
           ")?colou?rs?|make|turn|change|colou?r)\\b")) {
    return std::nullopt;
  }
  if (has(text, "^(make|turn) (it|this|the (photo|image|picture|whole (photo|image|picture)))\\b") &&
      !has(text, "\\b(recolou?r|dye|paint)\\b")) {
    return std::nullopt;  // "make it warmer" is a tone change
  }
  const auto thing = first_thing_named_in(text);
  // The new colour is the last one written after the thing ("make the red areas blue" → blue).
  std::size_t from = text.find_first_of(' ', text.find_first_of(' ') + 1);
  if (thing && !thing->colour.empty()) {
    const std::size_t at = text.find(thing->colour, std::min(text.find(thing->words), text.size()));
    if (at != std::string::npos) from = at + thing->colour.size();
  }
  std::optional<std::string> color;
  for (std::size_t at = std::min(from, text.size());;) {
    const auto next = first_color_in(text, at, &at);
    if (!next) break;
    color = next;
  }
  if (!color || has(text, "\\b(warmer|cooler|brighter|darker|lighter|saturated|contrast)\\b")) return std::nullopt;
  if (has(text, "^(make|turn) ") && has(text, kBackground)) return std::nullopt;
  json params = {{"color", *color}};
  if (const double factor = intensity_factor(text); factor < 1) params["strength"] = factor;  // "a hint of blue"
  if (thing) return step_on_thing(view, "region.recolor", params, *thing);
  if (const auto place = region_named_in(text)) return one_step("region.recolor", *place, params, view.clause);
  if (view.context.mask_given) return one_step("region.recolor", kWholeImage, params, view.clause);
  return not_done(view.clause, std::string("say what to recolour, for example \"make the red areas blue\" or \"make "
                                           "the object on the left blue\", or ") +
                                   kMaskAdvice);
}

std::optional<ClauseOutcome> object_replace_rule(const ClauseView& view) {
  std::smatch match;
  const std::string& original = view.clause.original;
  static const std::regex replace(
      "\\b(?:replace|swap(?: "
      "out)?|switch|exchange|substitute|change|turn)\\b\\s+([\\s\\S]+?)\\s+\\b(?:with|for|into|to|by)\\b\\s+([\\s\\S]+"
      ")",
      std::regex::icase);
  if (!std::regex_search(original, match, replace)) return std::nullopt;
  const std::string replacement = strip_trailing_punctuation(match[2]);
  if (replacement.empty()) return std::nullopt;
  return step_on_thing(view, "object.replace", json{{"prompt", replacement}},
                       thing_named_by(normalise_clause(match[1].str())));
}

std::optional<ClauseOutcome> object_add_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text,
           "^(please |can you |could you |also |now |and )?(add|put|place|insert|include|draw|give "
           "(it|him|her|them|the [a-z]+))\\b")) {
    return std::nullopt;
  }
  int ignored = 0;
  if (tone_params(text, ignored)) return std::nullopt;  // "add more contrast"
  const std::string object =
      strip_trailing_punctuation(words_after(view.clause.original, "add|put|place|insert|include|draw|give"));
  if (object.empty()) return not_done(view.clause, "say what to add, for example \"add a potted plant on the left\"");
  json target = kWholeImage;
  if (auto region = region_named_in(text); region && !region->contains("color")) target = *region;
  return one_step("object.add", target, json{{"prompt", object}}, view.clause);
}

}  // namespace easel::rules
