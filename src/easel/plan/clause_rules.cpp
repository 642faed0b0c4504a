#include "easel/plan/clause_rules.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <unordered_map>

#include "easel/ops/color.hpp"
#include "easel/ops/region.hpp"
#include "easel/ops/registry.hpp"
#include "easel/plan/planner.hpp"
#include "easel/plan/vocabulary.hpp"

namespace easel {
namespace {

// Patterns are compiled once per thread (the HTTP server plans on several threads).
const std::regex& pattern(const char* text) {
  thread_local std::unordered_map<const char*, std::regex> compiled;
  auto found = compiled.find(text);
  if (found == compiled.end()) found = compiled.emplace(text, std::regex(text)).first;
  return found->second;
}
bool has(const std::string& text, const char* regex) { return std::regex_search(text, pattern(regex)); }

const json kWholeImage = json{{"region", "all"}};

bool is_spatial(const json& target) {
  if (!target.contains("region")) return false;
  const auto& names = spatial_region_names();
  return std::find(names.begin(), names.end(), target["region"].get<std::string>()) != names.end();
}

struct ClauseView {
  const Clause& clause;
  const std::vector<Quotation>& quotations;
  ClauseContext& context;
  const std::string& text() const { return clause.text; }
};

ClauseOutcome one_step(std::string op, json target, json params, const Clause& clause) {
  ClauseOutcome outcome;
  outcome.steps.push_back({std::move(op), std::move(target), std::move(params), clause.original});
  return outcome;
}
ClauseOutcome not_done(const Clause& clause, std::string reason) {
  ClauseOutcome outcome;
  outcome.unsupported.push_back({clause.original, std::move(reason)});
  return outcome;
}

std::optional<double> percentage(const std::string& text) {
  std::smatch match;
  if (std::regex_search(text, match, pattern("(\\d+(?:\\.\\d+)?)\\s*(?:%|percent|per cent)"))) return std::stod(match[1]) / 100;
  return std::nullopt;
}

// The words after the verb, as the user wrote them: "remove the trash can on the left" → "the trash can
// on the left". Used as a generative prompt or an object description.
std::string words_after(const std::string& original, const char* verbs) {
  std::smatch match;
  const std::regex lead(std::string("^[\\s\\S]*?\\b(?:") + verbs + ")\\b\\s*", std::regex::icase);
  if (std::regex_search(original, match, lead)) return original.substr(static_cast<std::size_t>(match.length(0)));
  return original;
}

std::string strip_trailing_punctuation(std::string text) {
  while (!text.empty() && std::string(" .,;:!?").find(text.back()) != std::string::npos) text.pop_back();
  return text;
}

// ---- preserve -------------------------------------------------------------------------------------

bool asks_to_preserve(const std::string& text) {
  return has(text, "^(but |and |please |also |just |make sure (to |that |you )?|be sure to |try to |)(keep|preserve|protect|retain|"
                   "(don't|dont|do not|never|not) (change|touch|alter|modify|edit|move|crop|recolou?r|affect|mess with|adjust)|"
                   "leave\\b.*\\b(alone|as is|as it is|unchanged|untouched|intact|the same|be))\\b") ||
         has(text, "\\b(should|must|has to|needs to|to)? ?(stay|stays|remain|remains) (the same|unchanged|untouched|intact|as (it )?is)\\b") ||
         has(text, "^(without (changing|touching|altering))\\b");
}

ClauseOutcome preserve(const Clause& clause) {
  ClauseOutcome outcome;
  outcome.preserve.push_back({region_named_in(clause.text).value_or(json{{"region", "subject"}}), clause.original});
  return outcome;
}

// ---- geometry helpers (formats also come with text) -----------------------------------------

std::string anchor_of(const std::string& text) {
  if (const auto region = region_named_in(text); region && is_spatial(*region)) {
    const std::string name = (*region)["region"];
    for (const char* anchor : {"top-left", "top-right", "bottom-left", "bottom-right", "top", "bottom", "left", "right"}) {
      if (name == anchor) return name;
    }
  }
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\b(top|bottom|left|right)\\b"))) return match[1];
  return "center";
}

// "16:9" stays a ratio; "2.39:1" becomes the number 2.39 (the aspect type takes W:H in whole numbers).
json aspect_value(const std::string& aspect) {
  if (aspect.find('.') == std::string::npos) return aspect;
  const auto colon = aspect.find(':');
  return std::stod(aspect.substr(0, colon)) / std::stod(aspect.substr(colon + 1));
}

// A format's aspect and size; an aspect written beside it ("a 4:5 version for Instagram") wins, and then
// only the format's width is kept.
ClauseOutcome fit_to_format(const ClauseView& view, OutputFormat format, bool extend) {
  ClauseOutcome outcome;
  if (const auto written = aspect_named_in(view.text()); written && *written != format.aspect && has(view.text(), "\\d")) {
    format.aspect = *written;
    format.height = 0;
  }
  if (extend) {
    outcome.steps.push_back({"canvas.expand", kWholeImage, json{{"aspect", aspect_value(format.aspect)}, {"fill", "reflect"}}, view.clause.original});
  } else {
    outcome.steps.push_back({"image.crop", kWholeImage, json{{"aspect", aspect_value(format.aspect)}, {"anchor", anchor_of(view.text())}}, view.clause.original});
  }
  if (format.width > 0) {
    json size = {{"width", format.width}};
    if (format.height > 0) size["height"] = format.height;
    outcome.steps.push_back({"image.resize", kWholeImage, size, view.clause.original});
  }
  return outcome;
}

constexpr const char* kExtendWords = "\\b(expand|extend|outpaint|widen|pad|letterbox|pillarbox|uncrop|zoom out|more (space|room)|add (space|room)|fit)\\b";

// ---- text -----------------------------------------------------------------------------------------

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

// ---- things Easel does not do, with the reason ----------------------------------------------------

std::optional<ClauseOutcome> known_unsupported_rule(const ClauseView& view) {
  static const std::vector<std::pair<std::regex, std::string>> reasons{
      {std::regex("\\b(rotate(?! (the )?hues?)|rotated|turn (it )?(upside down|sideways|90|180)|straighten|level the horizon|tilt)\\b"),
       "rotating or straightening is not an operation in Easel yet; crop or resize instead"},
      {std::regex("\\b(flip|mirror|mirrored)\\b"), "flipping or mirroring is not an operation in Easel yet"},
      {std::regex("\\b(animate|animated|animation|video|gif|movie|motion)\\b"), "Easel edits still images; it cannot make video or animation"},
      {std::regex("\\b(undo|revert|go back)\\b"), "to undo a round, run `easel undo` on the document (edit with --save first)"},
      {std::regex("\\b(send|email|e-mail|upload|share|publish|tweet) (it|this|the)\\b|^(send|email|upload|share|publish)\\b"),
       "Easel makes the image; sending or publishing it is up to you"},
      {std::regex("\\b(border|frame|framed)\\b"), "borders and frames are not operations in Easel yet; "
                                                           "\"extend the canvas to 4:5 with white\" adds plain margins"},
      {std::regex("\\b(denoise|de-noise|noise|noisy|grain|grainy)\\b"), "noise reduction and film grain are not operations in Easel yet"},
      {std::regex("\\bred[- ]?eyes?\\b"), "red-eye removal is not an operation in Easel yet"},
      {std::regex("^(please )?(add|put|place|insert|paste) (our|my|the|a|your|their) ?(company )?logo\\b"),
       "placing a logo or another picture on the image is not an operation in Easel yet; text can be added (add the text \"…\")"},
      {std::regex("\\bhighlights?\\b"), "Easel changes tones as a whole (brightness, contrast, gamma, exposure); it cannot yet change only the highlights"},
      {std::regex("\\b(perspective|keystone|distortion|lens correction)\\b"), "perspective and lens correction are not operations in Easel yet"},
      {std::regex("\\b(save|export|convert) (it |this )?(as|to) (a )?(png|jpe?g|webp|pdf|svg|tiff?)\\b|\\b(pdf|svg|tiff?|psd)\\b"),
       "the file format is chosen by the output name or --format png|jpeg|webp, not by the instruction"},
  };
  for (const auto& [trigger, reason] : reasons) {
    if (std::regex_search(view.text(), trigger)) return not_done(view.clause, reason);
  }
  return std::nullopt;
}

// ---- generation -------------------------------------------------------------------------------------

constexpr const char* kGenerateLead =
    "(generate|create|make|draw|render|imagine|produce|design|paint|illustrate)(?: me| us)?(?: (?:an?|some|the|one|two|three|four))?(?: new)?"
    "(?: (?:image|picture|photo|photograph|illustration|drawing|painting|render|poster|icon|artwork|scene|portrait|shot|graphic|pic|visual)s?)?"
    "(?: (?:of|showing|with|that shows|depicting))?";

std::optional<ClauseOutcome> generate_image_rule(const ClauseView& view) {
  if (!has(view.text(), "^(please )?(generate|imagine|render|illustrate)\\b") &&
      !has(view.text(), "^(please )?(create|make|draw|produce|design|paint)( me| us)? (an?|some|one|two|three|four) (new )?"
                        "(image|picture|photo|photograph|illustration|drawing|painting|render|poster|icon|artwork|scene|shot|graphic|pic|visual)s?\\b")) {
    return std::nullopt;
  }
  const std::string prompt = strip_trailing_punctuation(words_after(view.clause.original, kGenerateLead));
  if (prompt.empty()) return not_done(view.clause, "say what to generate, for example \"generate a photo of a red bicycle against a brick wall\"");
  return one_step("generate.image", kWholeImage, json{{"prompt", prompt}}, view.clause);
}

constexpr const char* kSceneChange =
    "\\b(winter|wintry|summer|autumn|autumnal|spring|night|nighttime|night time|evening|sunset|sunrise|dusk|dawn|golden hour|"
    "snow|snowy|snowing|rain|rainy|raining|fog|foggy|mist|misty|storm|stormy|underwater|cyberpunk|futuristic|fantasy|"
    "sci-fi|apocalyptic|older|younger|old man|old woman|smile|smiling|happy|sad|angry|zombie|robot|marble|gold statue|"
    "bronze|lego|claymation|christmas|halloween|desert|jungle|space)\\b";

// "Variations of this" asks for other takes on the image itself (generate.variation, guided by the image
// alone unless a description follows); "redraw it as a watercolour" describes the result (img2img).
std::optional<ClauseOutcome> generate_variation_rule(const ClauseView& view) {
  if (!has(view.text(), "\\b(reimagine|re-imagine|redraw|re-draw|repaint|variations?|reinterpret|rerender|re-render|remix|regenerate)\\b")) {
    return std::nullopt;
  }
  const double strength = std::min(0.9, 0.6 * intensity_factor(view.text()));
  static const std::regex variations(R"(\bvariations?\b(\s+(of|on)\s+(this|it|that|the\s+(image|photo|picture|shot)))?[\s,:-]*((with|in|showing|where|but)\s+)?)",
                                     std::regex::icase);
  std::smatch match;
  if (std::regex_search(view.clause.original, match, variations)) {
    json params = {{"strength", strength}};
    if (const std::string described = strip_trailing_punctuation(match.suffix().str()); !described.empty()) params["prompt"] = described;
    return one_step("generate.variation", kWholeImage, params, view.clause);
  }
  json params = {{"prompt", strip_trailing_punctuation(view.clause.original)}, {"strength", strength}};
  return one_step("generate.img2img", kWholeImage, params, view.clause);
}

std::optional<ClauseOutcome> generate_instruct_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool scene = has(text, kSceneChange) && has(text, "\\b(make|turn|change|transform|convert|look|as if|into|like|set)\\b");
  const bool look_like = has(text, "\\b(look|looks|feel) like\\b|\\bas if\\b|\\bas though\\b|^(turn|transform) (it|this|the (photo|image|picture|scene)) into\\b");
  if (!scene && !look_like) return std::nullopt;
  return one_step("generate.instruct", kWholeImage, json{{"prompt", strip_trailing_punctuation(view.clause.original)}}, view.clause);
}

// ---- background -----------------------------------------------------------------------------------

constexpr const char* kBackground = "\\b(background|backdrop|bg|back ground|surroundings|setting|behind)\\b";

std::optional<ClauseOutcome> background_remove_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool remove = has(text, "\\b(remove|delete|erase|drop|get rid of|take out|knock out|lose|strip|clear|ditch|eliminate|cut out|cut away|no|without( a| the)?) "
                                "(the |this |that |its |her |his |their |all |all of the |any )?(white |grey |gray |busy |messy |whole |entire |old )?(background|backdrop|bg)\\b") ||
                      has(text, "\\b(background|backdrop|bg) (removal|remover|removed|gone|transparent|see-through|clear)\\b") ||
                      has(text, "\\btransparent (background|backdrop|bg|png)\\b") ||
                      has(text, "\\b(background|backdrop|bg)\\b.*\\btransparent\\b") ||
                      has(text, "^(please )?(cut out|isolate|extract|mask out) (the |this )?(subject|product|person|object|item|it|him|her|them|model|bottle|shoe|car)\\b");
  if (!remove) return std::nullopt;
  return one_step("background.remove", json{{"region", "background"}}, json::object(), view.clause);
}

std::optional<ClauseOutcome> background_blur_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool blur = (has(text, kBackground) && has(text, "\\b(blur|blurry|blurred|blurrier|defocus|defocused|out of focus|soft focus|soften|bokeh)\\b")) ||
                    has(text, "\\b(bokeh|shallow depth of field|depth of field|portrait mode|portrait effect)\\b");
  if (!blur) return std::nullopt;
  json params = json::object();
  // Default strength 0.5 of the op's range, scaled by the intensity word.
  params["strength"] = std::clamp(0.5 * intensity_factor(text), 0.05, 1.0);
  return one_step("background.blur", json{{"region", "background"}}, params, view.clause);
}

std::optional<json> tone_params(const std::string& text, int& direction_context);

std::optional<ClauseOutcome> background_replace_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool names_background = has(text, kBackground);
  const bool on_a_background = has(text, "\\b(on|against|in front of|over) (a|an|the)? ?[a-z# -]*\\b(background|backdrop|bg)\\b");
  // "drop the product onto pure white": a subject set on a colour.
  const bool onto_a_color = has(text, "\\b(product|subject|it|him|her|them|bottle|item|object)\\b.*\\b(onto|on|against) (an? )?(pure |plain |solid |clean |bright )?[a-z# ]+$") &&
                            first_color_in(text.substr(text.rfind(' ') == std::string::npos ? 0 : text.rfind(' '))).has_value();
  if (!names_background && !on_a_background && !onto_a_color) return std::nullopt;
  int ignored = 0;
  const bool replace_words = has(text, "\\b(replace|replaced|swap|switch|change|new|with|into|to|put|place|set|use|make|turn|give|on|against|fill|add)\\b") ||
                             (first_color_in(text) && !tone_params(text, ignored));
  if (!replace_words) return std::nullopt;
  // "make the background darker" is a tone change of the background, not a new one.
  if (tone_params(text, ignored) && !has(text, "\\b(replace|swap|new|with|put|place|on a|against)\\b")) return std::nullopt;
  json params = json::object();
  if (has(text, "\\bgradient\\b")) {
    params["fill"] = "gradient";
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
  } else if (const auto color = first_color_in(text);
             color && (!has(text, "\\b(scene|beach|studio|office|city|forest|street|room|kitchen|garden|park|sky|mountains?|sunset|field|wood)\\b") ||
                       text.size() == text.rfind(*color) + color->size())) {
    params["fill"] = "color";
    params["color"] = *color;
  } else {
    std::string scene = words_after(view.clause.original, "with|into|to|on|against|in front of|for");
    scene = strip_trailing_punctuation(scene);
    if (scene.empty() || scene.size() == view.clause.original.size()) {
      return not_done(view.clause, "say what the new background should be: a colour (\"a white background\"), a gradient "
                                   "(\"a soft blue gradient\") or a scene (\"a sunny beach\")");
    }
    // A described scene is generated: the background region inpainted from the description.
    return one_step("background.replace", json{{"region", "background"}}, json{{"fill", "generative"}, {"prompt", scene}}, view.clause);
  }
  return one_step("background.replace", json{{"region", "background"}}, params, view.clause);
}

// ---- colour match, style ----------------------------------------------------------------------------

std::optional<ClauseOutcome> color_match_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool match = (has(text, "\\bmatch(es|ing)?\\b") && has(text, "\\b(colou?rs?|tones?|look|grade|grading|white balance|palette|mood)\\b")) ||
                     has(text, "\\b(same|similar) (colou?rs?|colou?r grade|look|tones?|grade|palette|mood) as\\b") ||
                     (has(text, "\\b(colou?r grade|grade)\\b") && has(text, "\\b(reference|ref|other (image|photo)|second (image|photo))\\b"));
  if (!match) return std::nullopt;
  json target = region_named_in(text).value_or(kWholeImage);
  if (target.contains("color")) target = kWholeImage;
  return one_step("color.match", target, json::object(), view.clause);
}

std::optional<ClauseOutcome> style_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const auto style = style_named_in(text);
  if (!style || !has(text, "\\b(style|styled|look|looks|effect|filter|like|into|as|make|turn|apply|convert|render|give|stylize|stylise|"
                           "restyle|redo|transform|version|feel|vibe|treatment|aesthetic|a|an)\\b")) {
    return std::nullopt;
  }
  if (const OperationSpec* op = registry().find("style.apply")) {
    const auto& choices = std::find_if(op->params.begin(), op->params.end(), [](const ParamSpec& p) { return p.name == "style"; })->choices;
    if (std::find(choices.begin(), choices.end(), *style) == choices.end()) {
      std::string known;
      for (const auto& choice : choices) known += (known.empty() ? "" : ", ") + choice;
      return not_done(view.clause, "the " + *style + " style is not one Easel has; it has " + known);
    }
  }
  json params = {{"style", *style}};
  const double factor = intensity_factor(text);
  if (factor != 1.0) params["strength"] = std::clamp(0.5 * factor, 0.1, 1.0);
  json target = region_named_in(text).value_or(kWholeImage);
  if (target.contains("color") || *style == "vignette") target = kWholeImage;
  return one_step("style.apply", target, params, view.clause);
}

// ---- objects --------------------------------------------------------------------------------------

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

// ---- geometry -------------------------------------------------------------------------------------

std::optional<ClauseOutcome> upscale_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text, "\\b(upscale|upscaled|upscaling|upsample|super ?res|super-resolution|superresolution|higher resolution|higher res|"
                 "increase (the )?resolution|enhance (the )?resolution|improve (the )?resolution|hi-?res|high-?res|high resolution|"
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
    return not_done(view.clause, "upscaling enlarges 2x, 3x or 4x; for another size say \"resize to 3000 pixels wide\"");
  }
  return one_step("image.upscale", kWholeImage, json{{"factor", static_cast<int>(scale)}}, view.clause);
}

std::optional<ClauseOutcome> format_rule(const ClauseView& view) {
  const auto format = format_named_in(view.text());
  if (!format) return std::nullopt;
  return fit_to_format(view, *format, has(view.text(), kExtendWords));
}

std::optional<ClauseOutcome> crop_rule(const ClauseView& view) {
  const std::string& text = view.text();
  const bool crop_words = has(text, "\\b(crop|cropped|trim|reframe|cut (it )?(down )?to)\\b");
  const auto aspect = aspect_named_in(text);
  const bool ratio_only = aspect && !has(text, kExtendWords) && !has(text, "\\b(resize|scale|pixels|px)\\b");
  if (!crop_words && !ratio_only) return std::nullopt;
  if (!aspect) return not_done(view.clause, "say which aspect ratio to crop to, for example \"crop to 16:9\" or \"crop square\"");
  return one_step("image.crop", kWholeImage, json{{"aspect", aspect_value(*aspect)}, {"anchor", anchor_of(text)}}, view.clause);
}

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
  static const std::string side_then_pixels = std::string("\\b(?:to|on|at|along) (?:the )?") + kSide + "(?: sides?| edges?)? (?:by |with )?" + kPixels;
  static const std::string pixels_then_side = std::string(kPixels) + " (?:more )?(?:to|on|at|along|of) (?:the )?" + kSide + "\\b";
  std::smatch match;
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), match, pattern(side_then_pixels.c_str())); it = match.suffix().first) {
    add(match[1].str(), std::stoi(match[2].str()));
  }
  for (auto it = text.cbegin(); std::regex_search(it, text.cend(), match, pattern(pixels_then_side.c_str())); it = match.suffix().first) {
    add(match[2].str(), std::stoi(match[1].str()));
  }
  return margins;
}

std::optional<ClauseOutcome> expand_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text, kExtendWords) || has(text, "\\b(background|bg)\\b")) return std::nullopt;
  const auto aspect = aspect_named_in(text);
  const json margins = margins_named_in(text);
  if (!aspect && margins.empty()) {
    return not_done(view.clause, "say the aspect ratio to extend the canvas to, or the margins to add: for example \"extend the canvas to "
                                 "16:9\" or \"extend the canvas to the left by 200 px\"");
  }
  json params = margins.empty() ? json{{"aspect", aspect_value(*aspect)}} : margins;
  // Outpainting words ask for a generated extension; "and fill it" for the best fill there is (generated
  // when a model is given, mirrored otherwise); otherwise the mirrored fill, which needs no model.
  params["fill"] = has(text, "\\b(outpaint|outpainting|generate|generated|generative|ai|imagine|invent|continue the (scene|image|picture|photo))\\b") ? "generative"
                   : has(text, "\\bfill(ed)? (it|them|that|the (new|empty|extra) (area|space|part|margins?))\\b")                              ? "auto"
                                                                                                                                                   : "reflect";
  if (has(text, "\\btransparent\\b")) params["fill"] = "transparent";
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\b(?:with|in|using) (?:an? )?(#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)"))) {
    if (const auto color = first_color_in(match[1].str())) {
      params["fill"] = "color";
      params["color"] = *color;
    }
  }
  return one_step("canvas.expand", kWholeImage, params, view.clause);
}

std::optional<ClauseOutcome> resize_rule(const ClauseView& view) {
  const std::string& text = view.text();
  if (!has(text, "\\b(resize|resized|rescale|scale|scaled|shrink|enlarge|downscale|downsize|smaller|bigger|larger|halve|double|twice|"
                 "half the size|half size|size|\\d+\\s*(px|pixels?)( wide| tall| high| across)?|\\d{2,5}\\s*[x×]\\s*\\d{2,5}|\\d+ (wide|tall|high))\\b")) {
    return std::nullopt;
  }
  std::smatch match;
  if (std::regex_search(text, match, pattern("\\b(?:make|making|get) (?:the|our|my|this|that) ([a-z]+) (?:a bit |a little |much |a lot |slightly )?(?:bigger|larger|smaller)")) &&
      !has(match[1].str(), "^(image|photo|picture|file|canvas|whole|thing|overall)$")) {
    return not_done(view.clause, "resizing one part of the image is not an operation in Easel yet; \"make the image bigger\" resizes all of it");
  }
  json params = json::object();
  if (std::regex_search(text, match, pattern("(\\d{1,5})\\s*(?:x|×|by)\\s*(\\d{1,5})\\s*(?:px|pixels?)?"))  && std::stoi(match[1]) > 20) {
    params = {{"width", std::stoi(match[1])}, {"height", std::stoi(match[2])}};
  } else if (std::regex_search(text, match, pattern("(\\d{1,5})\\s*(?:px|pixels?)?\\s*(wide|width|across|tall|high|height)"))) {
    const std::string side = match[2];
    params[side == "wide" || side == "width" || side == "across" ? "width" : "height"] = std::stoi(match[1]);
  } else if (std::regex_search(text, match, pattern("\\b(width|height) (?:of |to |at )?(\\d{1,5})"))) {
    params[match[1].str()] = std::stoi(match[2]);
  } else if (std::regex_search(text, match, pattern("(\\d+(?:\\.\\d+)?)\\s*(?:x|times)\\b|\\bby (?:a factor of )?(\\d+(?:\\.\\d+)?)\\b(?!\\s*%|\\s*percent)"))) {
    params["scale"] = std::stod(match[1].matched ? match[1].str() : match[2].str());
  } else if (const auto pct = percentage(text)) {
    params["scale"] = has(text, "\\b(by|smaller|reduce|shrink|down)\\b") && has(text, "\\b(smaller|reduce|shrink|down)\\b") ? 1 - *pct : *pct;
  } else if (has(text, "\\b(double|twice|bigger|larger|enlarge)\\b")) {
    params["scale"] = 2.0;
  } else if (has(text, "\\b(half|halve|smaller|shrink)\\b")) {
    params["scale"] = 0.5;
  } else if (std::regex_search(text, match, pattern("\\b(\\d{2,5})\\b"))) {
    params["width"] = std::stoi(match[1]);
  } else {
    return not_done(view.clause, "say the new size, for example \"resize to 1080 pixels wide\", \"scale by 50%\" or \"double the size\"");
  }
  return one_step("image.resize", kWholeImage, params, view.clause);
}

// ---- tone -----------------------------------------------------------------------------------------

int direction_of(const std::string& text) {
  if (has(text, "\\b(increase|increased|more|boost|raise|higher|add|enhance|stronger|punchier|deepen|intensify|up|bump|crank|pump|push|richer|extra)\\b")) return 1;
  if (has(text, "\\b(decrease|decreased|less|reduce|lower|remove|soften|weaker|tone down|down|cut|drop|dial back|pull back|no)\\b")) return -1;
  return 0;
}

// Colour and tone words → color.adjust parameters (magnitudes in docs/instructions.md).
std::optional<json> tone_params(const std::string& text, int& direction_context) {
  int direction = direction_of(text);
  if (direction == 0) direction = direction_context;
  const double scale = intensity_factor(text);
  const double sign = direction < 0 ? -1 : 1;
  const auto pct = percentage(text);
  const auto amount = [&](double base) { return sign * (pct ? *pct : base * scale); };
  json params = json::object();

  if (has(text, "\\b(black (and|&) white|black-and-white|grayscale|greyscale|gray scale|grey scale|monochrome|b&w|b/w|bw|noir)\\b")) params["saturation"] = -1.0;
  else if (has(text, "\\b(desaturate|desaturated|muted|mute|washed out|less saturated|less colou?rful|duller|dull)\\b")) params["saturation"] = -(pct ? *pct : 0.3 * scale);
  else if (has(text, "\\b(saturation|saturated|saturate|garish|vibrant|vibrance|vivid|colou?rful|colou?rs pop|pop|punchy|punchier|richer colou?rs)\\b")) params["saturation"] = amount(0.3);

  if (has(text, "\\b(contrast|contrasty|punchy|punchier|flat|flatter)\\b")) {
    params["contrast"] = has(text, "\\b(make it|more) (flat|flatter)\\b") ? -(pct ? *pct : 0.25 * scale) : amount(0.25);
  }

  const bool exposure_clause = has(text, "\\b(exposure|exposed|overexposed|underexposed|stops?)\\b");
  // "brighten by one stop" is an exposure change, not an extra brightness shift.
  if (!exposure_clause) {
    if (has(text, "\\b(brighten|brighter|lighten|lighter|brighter|lift|airy|bright)\\b")) params["brightness"] = pct ? *pct : 0.15 * scale;
    else if (has(text, "\\b(darken|darker|dim|dimmer|moodier|moody|deeper shadows)\\b")) params["brightness"] = -(pct ? *pct : 0.15 * scale);
    else if (has(text, "\\b(brightness|lightness)\\b")) params["brightness"] = amount(0.15);
  }

  if (has(text, "\\bwhite balance\\b")) {
    // "fix the white balance, it's too yellow": correct against the cast named.
    if (has(text, "\\btoo (yellow|warm|orange|red)\\b")) params["warmth"] = -(pct ? *pct : 0.3 * scale);
    else if (has(text, "\\btoo (blue|cold|cool)\\b")) params["warmth"] = pct ? *pct : 0.3 * scale;
  } else if (has(text, "\\b(warmer|warm|warmth|warm up|golden|cozier|cosier)\\b")) {
    params["warmth"] = (has(text, "\\b(less|reduce|decrease|lower)\\b") ? -1 : 1) * (pct ? *pct : 0.3 * scale);
  } else if (has(text, "\\b(cooler|cool|colder|cold|cool down|icier)\\b")) {
    params["warmth"] = -(pct ? *pct : 0.3 * scale);
  }

  std::smatch match;
  if (exposure_clause) {
    double stops = 0.5 * scale;
    if (std::regex_search(text, match, pattern("([+-]?\\d+(?:\\.\\d+)?)\\s*stops?"))) stops = std::abs(std::stod(match[1]));
    else if (has(text, "\\b(half a stop|half stop)\\b")) stops = 0.5;
    else if (has(text, "\\b(one stop|a stop|one full stop|a full stop)\\b")) stops = 1;
    else if (has(text, "\\b(two stops|a couple of stops)\\b")) stops = 2;
    else if (has(text, "\\bthree stops\\b")) stops = 3;
    const bool down = direction < 0 || has(text, "\\b(underexpose|darker|darken|overexposed|too bright)\\b");
    params["exposure"] = std::min(stops, 5.0) * (down ? -1 : 1);
  }
  if (has(text, "\\bhue\\b")) {
    double degrees = 30 * scale;
    if (std::regex_search(text, match, pattern("(-?\\d+(?:\\.\\d+)?)\\s*(?:°|degrees?|deg)"))) degrees = std::stod(match[1]);
    params["hue"] = std::clamp(direction < 0 ? -degrees : degrees, -180.0, 180.0);
  }
  if (has(text, "\\b(sharpen|sharper|crisper|crisp|sharpness|clarity|more detail|detailed)\\b")) {
    params["sharpen"] = direction < 0 ? 0.0 : std::min(0.8 * scale, 5.0);
  }
  if (has(text, "\\bgamma\\b")) {
    if (std::regex_search(text, match, pattern("gamma (?:of |to )?(\\d+(?:\\.\\d+)?)"))) params["gamma"] = std::clamp(std::stod(match[1]), 0.1, 10.0);
    else params["gamma"] = direction < 0 ? 0.8 : 1.25;
  }
  if (params.empty()) return std::nullopt;
  direction_context = direction;
  for (auto& [name, value] : params.items()) {
    if (name == "brightness" || name == "contrast" || name == "saturation" || name == "warmth") value = std::clamp(value.get<double>(), -1.0, 1.0);
  }
  return params;
}

// "make the grass greener", "the sky bluer": more saturation in that colour's range.
std::optional<ClauseOutcome> colour_comparative_rule(const ClauseView& view) {
  std::smatch match;
  if (!std::regex_search(view.text(), match, pattern("\\b(redder|greener|bluer|yellower|more (red|green|blue|yellow))\\b"))) return std::nullopt;
  static const std::map<std::string, std::string> colours{{"redder", "red"}, {"greener", "green"}, {"bluer", "blue"}, {"yellower", "yellow"}};
  const std::string colour = match[2].matched ? match[2].str() : colours.at(match[1].str());
  return one_step("color.adjust", json{{"color", colour}, {"tolerance", 25}}, json{{"saturation", 0.3 * intensity_factor(view.text())}}, view.clause);
}

std::optional<ClauseOutcome> tone_rule(const ClauseView& view) {
  auto params = tone_params(view.text(), view.context.direction);
  if (!params) return std::nullopt;
  return one_step("color.adjust", region_named_in(view.text()).value_or(kWholeImage), *params, view.clause);
}

std::optional<ClauseOutcome> region_blur_rule(const ClauseView& view) {
  if (!has(view.text(), "\\b(blur|blurry|blurred|pixelate|censor)\\b")) return std::nullopt;
  return not_done(view.clause, "Easel can blur only the background (\"blur the background\"); blurring another part is not an operation yet");
}

struct Rule {
  const char* name;
  std::function<std::optional<ClauseOutcome>(const ClauseView&)> build;
};

// Order matters: specific phrasings before general ones ("remove the background" before "remove …",
// "make the background white" before a recolour, "crop for Instagram" before "crop").
const std::vector<Rule>& rules() {
  static const std::vector<Rule> table{
      {"generate.image", generate_image_rule},
      {"text.add / text.replace", text_rule},
      {"not supported (with reason)", known_unsupported_rule},
      {"background.remove", background_remove_rule},
      {"background.blur", background_blur_rule},
      {"color.match", color_match_rule},
      {"style.apply", style_rule},
      {"background.replace", background_replace_rule},
      {"generate.img2img / generate.variation", generate_variation_rule},
      {"generate.instruct", generate_instruct_rule},
      {"image.upscale", upscale_rule},
      {"format (image.crop or canvas.expand, then image.resize)", format_rule},
      {"canvas.expand", expand_rule},
      {"image.crop", crop_rule},
      {"image.resize", resize_rule},
      {"object.remove", object_remove_rule},
      {"region.recolor", recolor_rule},
      {"color.adjust (colour comparatives)", colour_comparative_rule},
      {"color.adjust", tone_rule},
      {"object.replace", object_replace_rule},
      {"object.add", object_add_rule},
      {"blur elsewhere (not supported)", region_blur_rule},
  };
  return table;
}

bool opens_an_edit(const std::string& text) {
  return has(text, "^(make|add|remove|replace|increase|decrease|crop|resize|change|turn|brighten|darken|blur|put|apply|generate|extend|"
                   "expand|upscale|boost|reduce|swap|erase|delete|set|give|convert|recolou?r)\\b");
}

}  // namespace

ClauseOutcome plan_clause(const Clause& clause, const std::vector<Quotation>& quotations, ClauseContext& context) {
  if (clause.original.size() > kMaxClauseBytes) {
    return not_done(clause, "this clause is too long to read (over 600 bytes); split the instruction into shorter sentences");
  }
  const bool in_preserve_section = clause.section == Section::preserve && !opens_an_edit(clause.text);
  if (in_preserve_section || (quotation_index(clause.text) == std::string::npos && asks_to_preserve(clause.text))) return preserve(clause);
  const ClauseView view{clause, quotations, context};
  for (const auto& rule : rules()) {
    if (auto outcome = rule.build(view)) return std::move(*outcome);
  }
  return not_done(clause, "Easel found no edit it knows in this; it can change tone and colour, crop, resize, upscale, extend the canvas, "
                          "add or replace text, replace, remove or blur the background, recolour, remove, add or replace objects, "
                          "apply a style and generate images (see `easel ops` and docs/instructions.md)");
}

std::vector<const char*> clause_rule_names() {
  std::vector<const char*> names{"preserve"};
  for (const auto& rule : rules()) names.push_back(rule.name);
  return names;
}

}  // namespace easel
