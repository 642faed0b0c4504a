// Text clauses: a quoted string to add, replace or remove, with its font, colour, size, effects and place.
#include "easel/plan/clause_rule_families.hpp"

#include <regex>

#include "easel/ops/color.hpp"

namespace easel::rules {
namespace {

// Font words in the order written ("bold serif", "handwritten"); empty: the default.
std::string font_description_of(const std::string& text) {
  static const std::regex font_words(
      "\\b(bold|italic|light|thin|black|condensed|serif|sans[- ]serif|sans|monospace|monospaced|typewriter|handwritten|"
      "handwriting|script|cursive|calligraphic|display|rounded|slab)\\b");
  std::string description;
  for (std::sregex_iterator it(text.begin(), text.end(), font_words), end; it != end; ++it) {
    const std::string word = it->str();
    if (word == "black" && has(text.substr(static_cast<std::size_t>(it->position())), "^black (and|&) white")) continue;
    if (word == "light" && !has(text, "\\blight (weight|font|serif|sans|type|italic)\\b")) continue;
    description += (description.empty() ? "" : " ") + (word.rfind("sans", 0) == 0 ? std::string("sans") : word);
  }
  return description;
}

// "in red", "in navy blue", "white text", "colour #ff8800".
std::optional<std::string> text_color_of(const std::string& text) {
  std::smatch match;
  const std::regex& after_in = pattern("\\b(?:in|colou?red|colou?r|using) (#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)");
  for (std::sregex_iterator it(text.begin(), text.end(), after_in), end; it != end; ++it) {
    const std::string candidate = (*it)[1];
    for (const std::string& name : {candidate, candidate.substr(0, candidate.find(' '))}) {
      if (parse_color(name) && name != "black and") return name;
    }
  }
  if (std::regex_search(text, match, pattern("\\b([a-z#0-9]+(?: [a-z]+)?) (?:text|letters|lettering|font|type|words|caption|headline|title)\\b"))) {
    const std::string candidate = match[1];
    for (const std::string& name : {candidate, candidate.substr(candidate.find(' ') + 1)}) {
      if (!has(name, "^(light|dark|black and)$") && parse_color(name)) return name;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ClauseOutcome> text_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const std::size_t first = quotation_index(text);
  if (first == std::string::npos) return std::nullopt;
  const std::string& quoted = view.quotations.at(first).text;
  if (has(text, "^(please )?(remove|delete|erase|get rid of|take out|hide|clear)\\b")) {
    return one_step("object.remove", json{{"text", quoted}}, json::object(), view.clause);
  }
  if (has(text, "\\b(replace|change|swap|rename|correct|fix|update|edit|switch|turn)\\b")) {
    const std::size_t second = quotation_index(text, 1);
    if (second == std::string::npos || !has(text, "\x1e\\d+\x1f.*\\b(with|to|into|by|for|so it (says|reads))\\b.*\x1e\\d+\x1f")) {
      return not_done(view.clause, "say both texts, for example: replace \"OPEN\" with \"CLOSED\"");
    }
    json params = {{"find", quoted}, {"replace", view.quotations.at(second).text}};
    const std::string font = font_description_of(text);
    if (!font.empty()) params["font"] = font;
    if (const auto color = text_color_of(text)) params["color"] = *color;
    return one_step("text.replace", kWholeImage, params, view.clause);
  }
  if (!has(text, "\\b(add|put|write|place|insert|overlay|type|print|caption|label|title|headline|heading|tagline|slogan|stamp|text|"
                 "watermark|sign|say|says|saying|reads?|reading|show|display|include|lettering|letters|words?|quote)\\b")) {
    return std::nullopt;
  }
  json params = {{"text", quoted}};
  const std::string font = font_description_of(text);
  if (!font.empty()) params["font"] = font;
  if (const auto color = text_color_of(text)) params["color"] = *color;
  std::smatch match;
  if (std::regex_search(text, match, pattern("(\\d+(?:\\.\\d+)?)\\s*(px|pixels?|pt|points?)\\b"))) {
    const double number = std::stod(match[1]);
    const std::string unit = match[2];
    // Points at the CSS resolution of 96 pixels per inch.
    params["size"] = unit == "pt" || unit.rfind("point", 0) == 0 ? number * 4 / 3 : number;
  } else if (has(text, "\\b(huge|very large|very big|giant|massive)\\b")) {
    params["max_size"] = 1000;
  }
  if (has(text, "\\b(outline|outlined|stroke|stroked)\\b")) params["outline"] = 2;
  if (has(text, "\\b(shadow|drop shadow|shadowed)\\b")) params["shadow"] = 3;
  if (has(text, "\\b(badge|box|banner|label|tag|pill|sticker)\\b")) params["box_color"] = "#ffffffd0";
  // "a 4:5 version for Instagram with the text "New drop" at the bottom": the format comes first.
  ClauseOutcome outcome;
  const std::string before_quote = text.substr(0, text.find('\x1e'));
  if (const auto format = format_named_in(before_quote)) {
    outcome = fit_to_format(view, *format, has(before_quote, kExtendWords));
  } else if (const auto aspect = aspect_named_in(before_quote)) {
    outcome.steps.push_back({"image.crop", kWholeImage, json{{"aspect", aspect_value(*aspect)}, {"anchor", "center"}}, view.clause.original});
  }
  json target = json{{"region", "center"}};
  if (has(text, "\\bwatermark")) {
    params["opacity"] = 0.4;
    target = json{{"region", "bottom-right"}};
  }
  if (const auto region = region_named_in(text); region && is_spatial(*region)) target = *region;
  // "… and the text "50% off" below the title": under the text an earlier clause added.
  if (!view.context.last_text.empty() &&
      has(text, "\\b(below|under|beneath|underneath) (the|that|this|it|its)\\b( (title|headline|heading|text|tagline|name|line|caption|slogan|words?))?")) {
    target = json{{"below", view.context.last_text}};
  }
  view.context.last_text = quoted;
  outcome.steps.push_back({"text.add", target, params, view.clause.original});
  return outcome;
}

}  // namespace easel::rules
