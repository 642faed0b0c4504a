// Text clauses: a quoted string to add, replace or remove, with its font, colour, size, effects and place.
// Every look the clause asks for maps to a text.add parameter, or is listed as not done.
#include "easel/plan/clause_rule_families.hpp"

#include <algorithm>
#include <regex>
#include <sstream>
#include <utility>
#include <vector>

#include "easel/ops/color.hpp"

namespace easel::rules {
namespace {

constexpr const char* kFontWords =
    "bold|italic|light|thin|black|condensed|serif|sans[- "
    "]serif|sans|monospace|monospaced|typewriter|handwritten|handwriting|script|"
    "cursive|calligraphic|display|rounded|slab";
// What a colour can belong to other than the letters: "a red badge", "a black outline", "a white shadow".
constexpr const char* kBadgeWords =
    "badge|box|banner|label|tag|pill|sticker|background|backing|band|strip|bar|panel|plate";

// Font words in the order written ("bold serif", "handwritten"); empty: the default.
std::string font_description_of(const std::string& text) {
  static const std::regex font_words(std::string("\\b(") + kFontWords + ")\\b");
  static const std::regex black_effect(std::string("^black (outline|stroke|shadow|drop shadow|") + kBadgeWords +
                                       ")\\b");
  std::string description;
  for (std::sregex_iterator it(text.begin(), text.end(), font_words), end; it != end; ++it) {
    const std::string word = it->str();
    if (word == "black" && has(text.substr(static_cast<std::size_t>(it->position())), "^black (and|&) white")) continue;
    if (word == "black" && std::regex_search(text.substr(static_cast<std::size_t>(it->position())), black_effect))
      continue;
    if (word == "light" && !has(text, "\\blight (weight|font|serif|sans|type|italic)\\b")) continue;
    description += (description.empty() ? "" : " ") + (word.rfind("sans", 0) == 0 ? std::string("sans") : word);
  }
  return description;
}

// A family named as a font: "in the Georgia font", "using Helvetica typeface", "a font called Lobster".
std::string font_family_of(const std::string& text) {
  static const std::regex named(
      "\\b(?:in|using|with|set in) (?:the |a )?([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?) (?:font|typeface)\\b|"
      "\\b(?:font|typeface) (?:called|named) ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?)");
  static const std::regex description(
      std::string("^(") + kFontWords +
      "|small|large|big|huge|tiny|nice|simple|clean|modern|elegant|plain|same|this|that|original|"
      "existing|matching|current|old|new|its|their|my|our|your|brand|company|default|usual|right)$");
  std::smatch match;
  if (!std::regex_search(text, match, named)) return {};
  std::string family;
  std::istringstream words(match[1].matched ? match[1].str() : match[2].str());
  for (std::string word; words >> word;) {
    if (!std::regex_match(word, description) && !parse_color(word)) family += (family.empty() ? "" : " ") + word;
  }
  return family;
}

constexpr const char* kColourWords = "(#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)";

// A colour written as `found`'s first group, one or two words ("navy blue"); the two-word name first.
std::optional<std::string> colour_in_group(const std::string& text, const std::regex& found) {
  std::smatch match;
  if (!std::regex_search(text, match, found)) return std::nullopt;
  const std::string candidate = match[1];
  const auto space = candidate.find(' ');
  for (const std::string& name : {candidate, space == std::string::npos ? candidate : candidate.substr(space + 1)}) {
    if (parse_color(name) && !has(name, "^(light|dark)$")) return name;
  }
  return std::nullopt;
}

// "in red", "in bold navy blue", "white text", "colour #ff8800" — not the colour of an outline, shadow or
// badge ("in a red box", "outlined in black").
std::optional<std::string> text_color_of(const std::string& text) {
  static const std::regex effect_after(std::string("^ (outline|stroke|shadow|drop shadow|") + kBadgeWords + ")\\b");
  static const std::regex before_letters(std::string("\\b") + kColourWords +
                                         " (?:text|letters|lettering|font|type|words|caption|headline|title)\\b");
  static const std::regex after_in(std::string("\\b(outline[ds]?|stroked?|shadow|") + kBadgeWords +
                                   ")? ?\\b(?:in|colou?red|colou?r|using) ((?:(?:" + kFontWords +
                                   ") )*)(#[0-9a-f]{3,8}\\b|[a-z]+(?: [a-z]+)?)");
  for (std::sregex_iterator it(text.begin(), text.end(), after_in), end; it != end; ++it) {
    if ((*it)[1].matched) continue;
    const std::string candidate = (*it)[3];
    const std::string after = text.substr(static_cast<std::size_t>(it->position(3) + it->length(3)));
    const auto space = candidate.find(' ');
    for (const std::string& name : {candidate, candidate.substr(0, space)}) {
      const std::string rest = name == candidate ? after : candidate.substr(space) + after;
      if (parse_color(name) && name != "black and" && !std::regex_search(rest, effect_after)) return name;
    }
  }
  return colour_in_group(text, before_letters);
}

// A size in px or pt that is not an outline's, a shadow's or a margin's ("48px", "36pt").
std::optional<double> font_size_of(const std::string& text) {
  const std::regex& size = pattern(
      "(\\d+(?:\\.\\d+)?)\\s*(px|pixels?|pt|points?)\\b( (?:wide |thick )?(outline|stroke|border|shadow|drop "
      "shadow|margin|padding))?");
  for (std::sregex_iterator it(text.begin(), text.end(), size), end; it != end; ++it) {
    if ((*it)[3].matched) continue;
    const double number = std::stod((*it)[1]);
    const std::string unit = (*it)[2];
    // Points at the CSS resolution of 96 pixels per inch.
    return unit == "pt" || unit.rfind("point", 0) == 0 ? number * 4 / 3 : number;
  }
  return std::nullopt;
}

// Outline, shadow and badge, with their colours and sizes when said.
void add_effects(const std::string& text, json& params) {
  static const std::regex outline_colour(std::string("\\b") + kColourWords + " (?:outline|stroke)\\b");
  static const std::regex outlined_in(
      std::string("\\b(?:outlined|outline|stroked|stroke) (?:in |with |of )?(?:an? )?") + kColourWords);
  static const std::regex shadow_colour(std::string("\\b") + kColourWords + " (?:drop )?shadow\\b");
  static const std::regex badge_colour(std::string("\\b") + kColourWords + " (?:" + kBadgeWords + ")\\b");
  std::smatch match;
  if (has(text, "\\b(outline|outlined|stroke|stroked)\\b")) {
    params["outline"] = 2;
    if (std::regex_search(text, match,
                          pattern("(\\d+(?:\\.\\d+)?)\\s*(?:px|pixels?) (?:wide |thick )?(?:outline|stroke|border)")))
      params["outline"] = std::stod(match[1]);
    else if (has(text, "\\b(thick|heavy|bold|strong|wide) ([a-z]+ )?(outline|stroke)"))
      params["outline"] = 4;
    else if (has(text, "\\b(thin|fine|light|subtle) ([a-z]+ )?(outline|stroke)"))
      params["outline"] = 1;
    if (const auto colour = colour_in_group(text, outline_colour)) {
      params["outline_color"] = *colour;
    } else if (const auto after = colour_in_group(text, outlined_in)) {
      params["outline_color"] = *after;
    }
  }
  if (has(text, "\\b(shadow|drop shadow|shadowed)\\b")) {
    params["shadow"] = 3;
    if (std::regex_search(text, match, pattern("(\\d+(?:\\.\\d+)?)\\s*(?:px|pixels?) (?:drop )?shadow")))
      params["shadow"] = std::stod(match[1]);
    if (has(text, "\\b(soft|blurry|blurred|diffuse|subtle) ([a-z]+ )?(drop )?shadow"))
      params["shadow_blur"] = 6;
    else if (has(text, "\\b(hard|sharp|crisp) ([a-z]+ )?(drop )?shadow"))
      params["shadow_blur"] = 0;
    if (const auto colour = colour_in_group(text, shadow_colour)) params["shadow_color"] = *colour;
  }
  if (has(text, "\\b(badge|box|banner|label|tag|pill|sticker)\\b")) params["box_color"] = "#ffffffd0";
  if (const auto colour = colour_in_group(text, badge_colour)) params["box_color"] = *colour;
}

// Opacity, alignment and letter spacing.
void add_layout(const std::string& text, json& params) {
  std::smatch match;
  if (std::regex_search(text, match,
                        pattern("(\\d+(?:\\.\\d+)?)\\s*(?:%|percent) (opacity|opaque|transparen(?:t|cy))"))) {
    const double amount = std::clamp(std::stod(match[1]) / 100, 0.0, 1.0);
    params["opacity"] = match[2].str().rfind("opa", 0) == 0 ? amount : 1 - amount;
  } else if (has(text, "\\b(semi[- ]?transparent|translucent|see[- ]through|half transparent)\\b")) {
    params["opacity"] = 0.5;
  }
  if (std::regex_search(text, match,
                        pattern("\\b(?:(left|right)[- ]aligned|aligned (?:to the )?(left|right)|align (?:to the "
                                ")?(left|right)|flush (left|right))\\b"))) {
    for (std::size_t group = 1; group < match.size(); ++group) {
      if (match[group].matched) params["align"] = match[group].str();
    }
  }
  if (has(text, "\\b(letter[- ]spaced|letter[- ]spacing|spaced out|widely spaced|wide tracking|tracked out)\\b"))
    params["letter_spacing"] = 0.15;
}

// Looks text.add cannot give, each with the reason; the text is still set, and these are listed as not
// done. `look` is what text_look read ("small" is no note when a size is given).
std::vector<std::string> looks_not_done(const std::string& text, const json& look) {
  static const std::regex small("\\b(small|smaller|tiny|discreet)\\b");
  static const std::vector<std::pair<std::regex, std::string>> looks{
      {std::regex("\\b(all caps|all capitals|capital letters|capitals|upper ?case|lower ?case|small caps)\\b"),
       "the letter case is not changed: text.add sets the text exactly as quoted, so type it in the case you want"},
      {std::regex("\\b(rotated|rotate|diagonal|diagonally|angled|tilted|at an angle|\\d+ ?(degrees|deg))\\b|\\d+ ?°"),
       "rotated or diagonal text is not an operation in Easel yet"},
      {std::regex("\\b(curved|curve|arched|arc|circular|around a circle|wavy)\\b"),
       "curved text is not an operation in Easel yet"},
      {std::regex("\\b(underlined|underline|strikethrough|strike-through|struck through|crossed out)\\b"),
       "underlined or struck-through text is not an operation in Easel yet"},
      {std::regex("\\b(gradient|glow|glowing|neon|3d|embossed|metallic|chrome|shiny|sparkles?|sparkly|glitter)\\b"),
       "that text effect is not an operation in Easel yet; text.add has outline, shadow and badge"},
  };
  std::vector<std::string> reasons;
  std::smatch match;
  if (!look.contains("size") && std::regex_search(text, match, small)) {
    reasons.push_back("\"" + match.str() +
                      "\": small text is not done: text.add fits the text to the place named; give a size instead, "
                      "for example \"24px\"");
  }
  for (const auto& [trigger, reason] : looks) {
    if (std::regex_search(text, match, trigger)) reasons.push_back("\"" + match.str() + "\": " + reason);
  }
  return reasons;
}

// Font, colour, size, effects and layout, as text.add (and text.replace, for font and colour) names them.
json text_look(const std::string& text) {
  json params = json::object();
  std::string font = font_description_of(text);
  if (const std::string family = font_family_of(text); !family.empty())
    font = family + (font.empty() ? "" : " " + font);
  if (!font.empty()) params["font"] = font;
  if (const auto color = text_color_of(text)) params["color"] = *color;
  if (const auto size = font_size_of(text)) {
    params["size"] = *size;
  } else if (has(text, "\\b(huge|very large|very big|giant|massive)\\b")) {
    params["max_size"] = 1000;
  }
  add_effects(text, params);
  add_layout(text, params);
  return params;
}

ClauseOutcome replace_text(const ClauseView& view, const std::string& quoted) {
  const std::string& text = view.text();
  const std::size_t second = quotation_index(text, 1);
  if (second == std::string::npos ||
      !has(text, "\x1e\\d+\x1f.*\\b(with|to|into|by|for|so it (says|reads))\\b.*\x1e\\d+\x1f")) {
    return not_done(view.clause, "say both texts, for example: replace \"OPEN\" with \"CLOSED\"");
  }
  json params = {{"find", quoted}, {"replace", view.quotations.at(second).text}};
  const json look = text_look(text);
  for (const char* name : {"font", "color", "size"}) {
    if (look.contains(name)) params[name] = look[name];
  }
  return one_step("text.replace", kWholeImage, params, view.clause);
}

// Where the text goes: a spatial region (default the centre; a watermark's the bottom-right corner), or
// under the text an earlier clause added ("… and the text "50% off" below the title").
json text_target(const ClauseView& view, json& params) {
  const std::string& text = view.text();
  json target = json{{"region", "center"}};
  if (has(text, "\\bwatermark")) {
    if (!params.contains("opacity")) params["opacity"] = 0.4;
    target = json{{"region", "bottom-right"}};
  }
  if (const auto region = region_named_in(text); region && is_spatial(*region)) target = *region;
  if (!view.context.last_text.empty() &&
      has(text,
          "\\b(below|under|beneath|underneath) (the|that|this|it|its)\\b( "
          "(title|headline|heading|text|tagline|name|line|caption|slogan|words?))?")) {
    target = json{{"below", view.context.last_text}};
  }
  return target;
}

ClauseOutcome add_text(const ClauseView& view, const std::string& quoted) {
  const std::string& text = view.text();
  json params = text_look(text);
  params["text"] = quoted;
  // "a 4:5 version for Instagram with the text "New drop" at the bottom": the format comes first.
  ClauseOutcome outcome;
  const std::string before_quote = text.substr(0, text.find('\x1e'));
  const bool extend = extends_canvas(view, before_quote);
  if (const auto format = format_named_in(before_quote)) {
    outcome = fit_to_format(view, *format, extend);
  } else if (const auto aspect = aspect_named_in(before_quote); aspect && extend) {
    outcome.steps.push_back({"canvas.expand", kWholeImage, json{{"aspect", aspect_value(*aspect)}, {"fill", "reflect"}},
                             view.clause.original});
  } else if (aspect) {
    outcome.steps.push_back({"image.crop", kWholeImage, json{{"aspect", aspect_value(*aspect)}, {"anchor", "center"}},
                             view.clause.original});
  }
  const json target = text_target(view, params);
  view.context.last_text = quoted;
  outcome.steps.push_back({"text.add", target, params, view.clause.original});
  for (auto& reason : looks_not_done(text, params))
    outcome.unsupported.push_back({view.clause.original, std::move(reason)});
  return outcome;
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
  if (has(text, "\\b(replace|change|swap|rename|correct|fix|update|edit|switch|turn)\\b"))
    return replace_text(view, quoted);
  if (!has(text,
           "\\b(add|put|write|place|insert|overlay|type|print|caption|label|title|headline|heading|tagline|slogan|"
           "stamp|text|"
           "watermark|sign|say|says|saying|reads?|reading|show|display|include|lettering|letters|words?|quote)\\b")) {
    return std::nullopt;
  }
  return add_text(view, quoted);
}

}  // namespace easel::rules
