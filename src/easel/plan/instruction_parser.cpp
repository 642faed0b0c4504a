#include "easel/plan/instruction_parser.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>
#include <vector>

#include "easel/core/error.hpp"
#include "easel/ops/color.hpp"
#include "easel/ops/region.hpp"

namespace easel {
namespace {

struct Clause {
  std::string original;  // as the user wrote it
  std::string text;      // lower-case, single spaces, for matching
};

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool has(const std::string& text, const std::regex& pattern) { return std::regex_search(text, pattern); }
std::regex word(const std::string& alternatives) { return std::regex("\\b(" + alternatives + ")\\b"); }

// Splits on sentence ends (not decimal points), ';', ',', 'then' and 'and', keeping each piece's
// original wording. "black and white" is one colour term, not two clauses.
std::vector<Clause> split_clauses(const std::string& instruction) {
  std::string protected_text = std::regex_replace(instruction, std::regex("black\\s*(and|&)\\s*white", std::regex::icase), "black-and-white");
  static const std::regex separators(
      "(?:[;!?]|\\.(?!\\d)|,\\s*(?:and\\s+)?then\\b|,|\\s+and\\s+then\\b|\\s+then\\b|\\s+and\\b|\\s+&\\s+)",
      std::regex::icase);
  std::vector<Clause> clauses;
  std::sregex_token_iterator piece(protected_text.begin(), protected_text.end(), separators, -1), end;
  for (; piece != end; ++piece) {
    std::string original = trim(*piece);
    if (original.empty()) continue;
    std::string text = lowercase(std::regex_replace(original, std::regex("\\s+"), " "));
    clauses.push_back({std::regex_replace(original, std::regex("black-and-white"), "black and white"), text});
  }
  return clauses;
}

// "slightly" halves the default amount, "much" doubles it (docs/instructions.md).
double intensity(const std::string& text) {
  if (has(text, word("slightly|a little|a bit|a touch|subtly|somewhat|gently|a tad"))) return 0.5;
  if (has(text, word("much|a lot|significantly|strongly|very|dramatically|way|heavily|really"))) return 2.0;
  return 1.0;
}

std::optional<double> percentage(const std::string& text) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex("(\\d+(?:\\.\\d+)?)\\s*(?:%|percent)"))) return std::stod(match[1]) / 100;
  return std::nullopt;
}

std::optional<json> region_of(const std::string& text) {
  static const std::vector<std::pair<std::regex, std::string>> regions{
      {std::regex("\\b(top|upper)[- ]left\\b"), "top-left"},
      {std::regex("\\b(top|upper)[- ]right\\b"), "top-right"},
      {std::regex("\\b(bottom|lower)[- ]left\\b"), "bottom-left"},
      {std::regex("\\b(bottom|lower)[- ]right\\b"), "bottom-right"},
      {std::regex("\\bleft third\\b"), "left-third"},
      {std::regex("\\bright third\\b"), "right-third"},
      {std::regex("\\b(top|upper) third\\b"), "top-third"},
      {std::regex("\\b(bottom|lower) third\\b"), "bottom-third"},
      {std::regex("\\bmiddle third\\b"), "middle-third"},
      {std::regex("\\b(left half|left side|on the left|left part)\\b"), "left"},
      {std::regex("\\b(right half|right side|on the right|right part)\\b"), "right"},
      {std::regex("\\b(top half|upper half|top part|at the top|the top)\\b"), "top"},
      {std::regex("\\b(bottom half|lower half|bottom part|at the bottom|the bottom)\\b"), "bottom"},
      {std::regex("\\b(center|centre|middle)\\b"), "center"},
      {std::regex("\\b(background|backdrop)\\b"), "background"},
      {std::regex("\\b(subject|product|foreground|person|people)\\b"), "subject"},
  };
  for (const auto& [pattern, name] : regions) {
    if (has(text, pattern)) return json{{"region", name}};
  }
  std::smatch match;
  static const std::regex color_area("\\b([a-z]+(?: [a-z]+)?) (?:areas?|parts?|regions?|tones?|things?|objects?)\\b");
  if (std::regex_search(text, match, color_area)) {
    const std::string candidate = match[1];
    for (const std::string& name : {candidate, candidate.substr(candidate.find(' ') + 1)}) {
      if (parse_color(name)) return json{{"color", name}, {"tolerance", 25}};
    }
  }
  return std::nullopt;
}

enum class Direction { up, down, unknown };

Direction direction_of(const std::string& text) {
  if (has(text, word("increase|increased|more|boost|raise|higher|add|enhance|stronger|punchier|deepen|intensify|up"))) return Direction::up;
  if (has(text, word("decrease|decreased|less|reduce|lower|remove|soften|weaker|tone down|down|cut|drop"))) return Direction::down;
  return Direction::unknown;
}

// Colour and tone words → color.adjust parameters. `inherited` carries the direction of the previous
// clause, so "increase the contrast and saturation" raises both.
std::optional<json> adjust_params(const std::string& text, Direction& inherited) {
  Direction direction = direction_of(text);
  if (direction == Direction::unknown) direction = inherited;
  const double scale = intensity(text);
  const double sign = direction == Direction::down ? -1 : 1;
  const auto pct = percentage(text);
  const auto amount = [&](double base) { return sign * (pct ? *pct : base * scale); };
  json params = json::object();

  if (has(text, word("black-and-white|black and white|grayscale|greyscale|monochrome|b&w"))) params["saturation"] = -1.0;
  else if (has(text, word("desaturate|desaturated|muted|washed out|less saturated|less colorful|less colourful"))) params["saturation"] = -(pct ? *pct : 0.3 * scale);
  else if (has(text, word("saturation|saturated|saturate|vibrant|vibrance|vivid|colorful|colourful"))) params["saturation"] = amount(0.3);

  if (has(text, word("contrast"))) params["contrast"] = amount(0.25);

  const bool exposure_clause = has(text, word("exposure|exposed|stops?"));
  // "brighten by one stop" is an exposure change, not an extra brightness shift.
  if (exposure_clause) {
  } else if (has(text, word("brighten|brighter|lighten|lighter"))) {
    params["brightness"] = pct ? *pct : 0.15 * scale;
  } else if (has(text, word("darken|darker|dim|dimmer"))) {
    params["brightness"] = -(pct ? *pct : 0.15 * scale);
  } else if (has(text, word("brightness"))) {
    params["brightness"] = amount(0.15);
  }

  if (has(text, word("warmer|warm|warmth|warm up"))) {
    params["warmth"] = (has(text, word("less|reduce|decrease|lower")) ? -1 : 1) * (pct ? *pct : 0.3 * scale);
  } else if (has(text, word("cooler|cool|colder|cold|cool down"))) {
    params["warmth"] = -(pct ? *pct : 0.3 * scale);
  }

  std::smatch match;
  if (exposure_clause) {
    double stops = 0.5 * scale;
    if (std::regex_search(text, match, std::regex("([+-]?\\d+(?:\\.\\d+)?)\\s*stops?"))) stops = std::abs(std::stod(match[1]));
    else if (has(text, word("one stop|a stop|1 stop"))) stops = 1;
    else if (has(text, word("two stops|2 stops"))) stops = 2;
    const bool down = direction == Direction::down || has(text, word("underexpose|darker|darken|overexposed"));
    params["exposure"] = down ? -stops : stops;
  }
  if (has(text, word("hue"))) {
    double degrees = 30 * scale;
    if (std::regex_search(text, match, std::regex("(-?\\d+(?:\\.\\d+)?)\\s*(?:°|degrees?|deg)"))) degrees = std::stod(match[1]);
    params["hue"] = std::clamp(direction == Direction::down ? -degrees : degrees, -180.0, 180.0);
  }
  if (has(text, word("sharpen|sharper|crisper|crisp|sharpness"))) {
    params["sharpen"] = direction == Direction::down ? 0.0 : 0.8 * scale;
  }
  if (has(text, word("gamma"))) {
    if (std::regex_search(text, match, std::regex("gamma (?:of |to )?(\\d+(?:\\.\\d+)?)"))) params["gamma"] = std::stod(match[1]);
    else params["gamma"] = direction == Direction::down ? 0.8 : 1.25;
  }
  if (params.empty()) return std::nullopt;
  inherited = direction;
  for (auto& [name, value] : params.items()) {
    if (name == "saturation" || name == "contrast" || name == "brightness" || name == "warmth") {
      value = std::clamp(value.get<double>(), -1.0, 1.0);
    }
  }
  return params;
}

std::optional<std::string> aspect_of(const std::string& text) {
  std::smatch match;
  if (std::regex_search(text, match, std::regex("\\b(\\d{1,4})\\s*[:x×/]\\s*(\\d{1,4})\\b"))) {
    return std::string(match[1]) + ":" + std::string(match[2]);
  }
  if (has(text, word("square"))) return "1:1";
  if (has(text, word("widescreen"))) return "16:9";
  return std::nullopt;
}

std::string anchor_of(const std::string& text) {
  const bool top = has(text, word("top|upper")), bottom = has(text, word("bottom|lower"));
  const bool left = has(text, word("left")), right = has(text, word("right"));
  std::string anchor = top ? "top" : bottom ? "bottom" : "";
  const std::string side = left ? "left" : right ? "right" : "";
  if (!anchor.empty() && !side.empty()) return anchor + "-" + side;
  if (!anchor.empty()) return anchor;
  if (!side.empty()) return side;
  return "center";
}

std::optional<PlanStep> geometry_step(const Clause& clause, std::optional<UnsupportedItem>& problem) {
  const std::string& text = clause.text;
  std::smatch match;
  if (has(text, word("crop|cropped|trim"))) {
    const auto aspect = aspect_of(text);
    if (!aspect) {
      problem = UnsupportedItem{clause.original, "say which aspect ratio to crop to, for example \"crop to 16:9\" or \"crop square\""};
      return std::nullopt;
    }
    return PlanStep{"image.crop", {{"region", "all"}}, {{"aspect", *aspect}, {"anchor", anchor_of(text)}}, clause.original};
  }
  if (has(text, word("expand|extend|outpaint|widen|pad|letterbox"))) {
    const auto aspect = aspect_of(text);
    if (!aspect) {
      problem = UnsupportedItem{clause.original, "say the aspect ratio to extend the canvas to, for example \"extend the canvas to 16:9\""};
      return std::nullopt;
    }
    json params = {{"aspect", *aspect}, {"fill", "reflect"}};
    if (has(text, word("transparent"))) params["fill"] = "transparent";
    if (std::regex_search(text, match, std::regex("\\bwith (?:a |an )?(#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)"))) {
      const std::string candidate = match[1];
      for (const std::string& name : {candidate, candidate.substr(0, candidate.find(' '))}) {
        if (parse_color(name)) {
          params["fill"] = "color";
          params["color"] = name;
          break;
        }
      }
    }
    return PlanStep{"canvas.expand", {{"region", "all"}}, params, clause.original};
  }
  static const std::regex resize_words(
      "\\b(resize|rescale|scale|shrink|enlarge|upscale|downscale|downsize|smaller|bigger|larger|halve|"
      "double the size|twice the size|half the size|half size|\\d+\\s*(px|pixels?)( wide| tall| high)?)\\b");
  if (has(text, resize_words)) {
    json params = json::object();
    if (std::regex_search(text, match, std::regex("(\\d{1,5})\\s*[x×]\\s*(\\d{1,5})"))) {
      params = {{"width", std::stoi(match[1])}, {"height", std::stoi(match[2])}};
    } else if (std::regex_search(text, match, std::regex("(\\d{1,5})\\s*(?:px|pixels?)?\\s*(wide|width|tall|high|height)"))) {
      const std::string side = match[2];
      params[side == "wide" || side == "width" ? "width" : "height"] = std::stoi(match[1]);
    } else if (std::regex_search(text, match, std::regex("(?:width|height) (?:of |to )?(\\d{1,5})"))) {
      params[has(text, word("width")) ? "width" : "height"] = std::stoi(match[1]);
    } else if (std::regex_search(text, match, std::regex("(\\d+(?:\\.\\d+)?)\\s*[x×]\\b|\\bby (?:a factor of )?(\\d+(?:\\.\\d+)?)\\b(?!\\s*%)"))) {
      params["scale"] = std::stod(match[1].matched ? match[1] : match[2]);
    } else if (const auto pct = percentage(text)) {
      params["scale"] = *pct;
    } else if (has(text, word("double|twice|bigger|larger|enlarge"))) {
      params["scale"] = 2.0;
    } else if (has(text, word("half|halve|smaller|shrink"))) {
      params["scale"] = 0.5;
    } else {
      problem = UnsupportedItem{clause.original, "say the new size, for example \"resize to 1080 pixels wide\", \"scale by 50%\" or \"double the size\""};
      return std::nullopt;
    }
    return PlanStep{"image.resize", {{"region", "all"}}, params, clause.original};
  }
  return std::nullopt;
}

// Quoted text is kept byte for byte: before clauses are split and lower-cased, each quotation is replaced
// by a marker (\x1e + index + \x1f) that no clause word or separator can match.
struct Quotation {
  std::string with_quotes;  // as written, to restore the clause's wording
  std::string text;         // what goes on the image
};

struct ProtectedInstruction {
  std::string text;
  std::vector<Quotation> quotations;
};

ProtectedInstruction protect_quotations(const std::string& instruction) {
  // "…", “…”, „…“, ‘…’, «…», and '…' when the apostrophes stand at word edges (so "don't" is no quote).
  static const std::regex quoted(
      "\"([^\"]*)\"|\xE2\x80\x9C(.*?)\xE2\x80\x9D|\xE2\x80\x9E(.*?)\xE2\x80[\x9C\x9D]|\xE2\x80\x98(.*?)\xE2\x80\x99|"
      "\xC2\xAB ?(.*?) ?\xC2\xBB|(^|[\\s(:])'([^']+)'(?=$|[\\s.,;:!?)])");
  ProtectedInstruction result;
  std::size_t copied = 0;
  for (std::sregex_iterator it(instruction.begin(), instruction.end(), quoted), end; it != end; ++it) {
    const std::smatch& match = *it;
    std::size_t start = static_cast<std::size_t>(match.position(0));
    std::string text;
    for (std::size_t group = 1; group <= 7; ++group) {
      if (group == 6) {
        if (match[6].matched) start += static_cast<std::size_t>(match.length(6));  // the space before an apostrophe quote
        continue;
      }
      if (match[group].matched) text = match[group].str();
    }
    if (text.empty()) continue;
    const std::size_t finish = static_cast<std::size_t>(match.position(0) + match.length(0));
    result.text += instruction.substr(copied, start - copied);
    result.text += "\x1e" + std::to_string(result.quotations.size()) + "\x1f";
    result.quotations.push_back({instruction.substr(start, finish - start), text});
    copied = finish;
  }
  result.text += instruction.substr(copied);
  return result;
}

std::string restore_quotations(const std::string& text, const std::vector<Quotation>& quotations) {
  static const std::regex marker("\x1e(\\d+)\x1f");
  std::string result;
  std::size_t copied = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), marker), end; it != end; ++it) {
    result += text.substr(copied, static_cast<std::size_t>(it->position(0)) - copied);
    result += quotations.at(std::stoul((*it)[1].str())).with_quotes;
    copied = static_cast<std::size_t>(it->position(0) + it->length(0));
  }
  return result + text.substr(copied);
}

// Font words in a text clause, in the order written ("bold serif", "handwritten"); empty: the default.
std::string font_description_of(const std::string& text) {
  static const std::regex font_words(
      "\\b(bold|italic|light|thin|black|condensed|serif|sans[- ]serif|sans|monospace|monospaced|typewriter|handwritten|"
      "handwriting|script|cursive|calligraphic|display)\\b");
  std::string description;
  for (std::sregex_iterator it(text.begin(), text.end(), font_words), end; it != end; ++it) {
    description += (description.empty() ? "" : " ") + std::regex_replace(it->str(), std::regex("sans[- ]serif"), "sans");
  }
  return description;
}

// "in red", "white text", "colour #ff8800": the first word or pair of words that is a colour name.
std::optional<std::string> text_color_of(const std::string& text) {
  static const std::regex candidates("(#[0-9a-f]{3,8}\\b|\\b[a-z]+ [a-z]+\\b|\\b[a-z]+\\b)");
  static const std::regex not_colours("^(black and|in|the|text|at|on|a|with|top|bottom|left|right|center|centre|middle|light|dark)$");
  std::smatch match;
  if (std::regex_search(text, match, std::regex("\\b(?:in|colou?red|colou?r)\\s+(#[0-9a-f]{3,8}|[a-z]+(?: [a-z]+)?)"))) {
    const std::string candidate = match[1];
    for (const std::string& name : {candidate, candidate.substr(0, candidate.find(' '))}) {
      if (parse_color(name)) return name;
    }
  }
  if (std::regex_search(text, match, std::regex("\\b([a-z]+(?: [a-z]+)?) (?:text|letters|lettering|font)\\b"))) {
    const std::string candidate = match[1];
    for (const std::string& name : {candidate, candidate.substr(candidate.find(' ') + 1)}) {
      if (!std::regex_match(name, not_colours) && parse_color(name)) return name;
    }
  }
  return std::nullopt;
}

// "add the text "Morning Blend" at the top in bold serif" → text.add. Only spatial regions apply: text
// goes into a place in the frame, not onto a segmented subject.
std::optional<PlanStep> text_step(const Clause& clause, const std::vector<Quotation>& quotations, std::optional<UnsupportedItem>& problem) {
  std::smatch match;
  if (!std::regex_search(clause.text, match, std::regex("\x1e(\\d+)\x1f"))) return std::nullopt;
  const std::string& text = quotations.at(std::stoul(match[1].str())).text;
  if (has(clause.text, word("replace|change|swap|rename|correct|fix"))) {
    // replace "OLD" with "NEW" / change "OLD" to "NEW"
    std::smatch pair;
    if (!std::regex_search(clause.text, pair, std::regex("\x1e(\\d+)\x1f.*\\b(?:with|to|into|by)\\b.*\x1e(\\d+)\x1f"))) {
      problem = UnsupportedItem{clause.original, "say both texts, for example: replace \"OPEN\" with \"CLOSED\""};
      return std::nullopt;
    }
    json params = {{"find", quotations.at(std::stoul(pair[1].str())).text}, {"replace", quotations.at(std::stoul(pair[2].str())).text}};
    const std::string font = font_description_of(clause.text);
    if (!font.empty()) params["font"] = font;
    return PlanStep{"text.replace", json{{"region", "all"}}, params, clause.original};
  }
  if (!has(clause.text, word("add|put|write|place|insert|overlay|type|print|caption|label|title|headline|stamp|text|watermark|sign|say|saying|reads?"))) {
    return std::nullopt;
  }
  json params = {{"text", text}};
  const std::string font = font_description_of(clause.text);
  if (!font.empty()) params["font"] = font;
  if (const auto color = text_color_of(clause.text)) params["color"] = *color;
  if (std::regex_search(clause.text, match, std::regex("(\\d+(?:\\.\\d+)?)\\s*(px|pixels?|pt|points?)\\b"))) {
    const double number = std::stod(match[1]);
    const std::string unit = match[2];
    // Points at the CSS resolution of 96 pixels per inch.
    params["size"] = unit == "pt" || unit.rfind("point", 0) == 0 ? number * 4 / 3 : number;
  }
  if (has(clause.text, word("outline|outlined|stroke"))) params["outline"] = 2;
  if (has(clause.text, word("shadow|drop shadow|shadowed"))) params["shadow"] = 3;
  if (has(clause.text, word("badge|box|banner|label|tag|pill"))) params["box_color"] = "#ffffffd0";
  json target = json{{"region", "center"}};
  if (has(clause.text, word("watermark"))) {
    params["opacity"] = 0.4;
    target = json{{"region", "bottom-right"}};
  }
  if (const auto region = region_of(clause.text); region && region->contains("region") &&
      std::find(spatial_region_names().begin(), spatial_region_names().end(), (*region)["region"].get<std::string>()) != spatial_region_names().end()) {
    target = *region;
  } else if (has(clause.text, word("centered|centred"))) {
    target = json{{"region", "center"}};
  }
  return PlanStep{"text.add", target, params, clause.original};
}

bool is_preserve_clause(const std::string& text) {
  // Only a clause that starts with these words: "crop it square keeping the top" is a crop.
  return has(text, std::regex("^(but |and |please |make sure to )?(keep|preserve|don'?t (change|touch|alter|modify)|"
                              "do not (change|touch|alter|modify)|leave\\b.*\\b(alone|as is|unchanged|untouched))\\b"));
}

}  // namespace

EditPlan plan_instruction(const std::string& instruction) {
  const std::string trimmed = trim(instruction);
  if (trimmed.empty()) throw Error(ErrorKind::usage, "the instruction is empty: say what to change, e.g. \"increase the contrast\"");
  if (instruction.size() > kMaxInstructionBytes) {
    throw Error(ErrorKind::usage, "the instruction is " + std::to_string(instruction.size()) + " bytes, above the limit of " +
                                      std::to_string(kMaxInstructionBytes));
  }
  EditPlan plan;
  plan.instruction = instruction;
  Direction direction = Direction::unknown;
  const ProtectedInstruction protected_instruction = protect_quotations(instruction);
  for (Clause clause : split_clauses(protected_instruction.text)) {
    clause.original = restore_quotations(clause.original, protected_instruction.quotations);
    std::optional<UnsupportedItem> text_problem;
    if (auto step = text_step(clause, protected_instruction.quotations, text_problem)) {
      plan.steps.push_back(std::move(*step));
      continue;
    }
    if (text_problem) {
      plan.unsupported.push_back(std::move(*text_problem));
      continue;
    }
    if (is_preserve_clause(clause.text)) {
      plan.preserve.push_back({region_of(clause.text).value_or(json{{"region", "subject"}}), clause.original});
      continue;
    }
    std::optional<UnsupportedItem> problem;
    if (auto step = geometry_step(clause, problem)) {
      plan.steps.push_back(std::move(*step));
      continue;
    }
    if (problem) {
      plan.unsupported.push_back(std::move(*problem));
      continue;
    }
    if (auto params = adjust_params(clause.text, direction)) {
      plan.steps.push_back({"color.adjust", region_of(clause.text).value_or(json{{"region", "all"}}), *params, clause.original});
      continue;
    }
    plan.unsupported.push_back({clause.original,
                                "no operation in this version of Easel does this; it can adjust tone and colour (contrast, "
                                "brightness, saturation, warmth, hue, exposure, gamma, sharpness) of the whole image or a "
                                "region, crop, resize, extend the canvas and add text (see `easel ops`)"});
  }
  validate_plan(plan);
  return plan;
}

}  // namespace easel
